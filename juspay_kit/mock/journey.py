"""The journey around device binding: provisioned cards, payment instructions and payment credentials.

Every rule here is inferred (Juspay's pages give the order of the journey, not its enforcement); the spec
marks the codes and statuses. A card is keyed by its vProvisionedTokenId and found again by its
tokenReference; an instruction by (vProvisionedTokenId, clientReferenceId). Both are forgotten like OTP
sessions: after the idle time of the limits, or the least recently used first beyond `max_sessions`. A token
that was never provisioned keeps the plain OTP behaviour unless `require_provisioning` is on.
"""

from __future__ import annotations

import base64
import random
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from juspay_kit.mock.sessions import Clock, Limits, Outcome


@dataclass
class Card:
    customer_id: str
    token_reference: str
    token_id: str  # vProvisionedTokenId
    client_reference_id: str
    step_up_request_id: str
    bound: bool = False
    last_seen: float = 0.0

    def identifiers(self) -> dict[str, str]:
        """The identifiers the later calls need, under the spec's (inferred) names."""
        return {"tokenReference": self.token_reference, "vProvisionedTokenId": self.token_id,
                "clientReferenceId": self.client_reference_id, "stepUpRequestId": self.step_up_request_id}  # fmt: skip


@dataclass
class Instruction:
    instruction_id: str
    limit: float | None  # the most one transaction may charge; None: no limit was set
    currency: str | None
    last_seen: float = 0.0


class Journey:
    """Cards and instructions of one mock. Every method runs on the event loop without awaiting (atomic)."""

    def __init__(self, limits: Limits, clock: Clock, rng: random.Random) -> None:
        self.limits, self.clock, self.rng = limits, clock, rng
        self._cards: OrderedDict[str, Card] = OrderedDict()  # by vProvisionedTokenId
        self._by_reference: dict[str, str] = {}  # tokenReference -> vProvisionedTokenId
        self._instructions: OrderedDict[tuple[str, str], Instruction] = OrderedDict()
        self._of_card: dict[str, dict[str, Instruction]] = {}  # vProvisionedTokenId -> its instructions (views)
        self._used_sessions: OrderedDict[str, None] = OrderedDict()  # clientReferenceIds already provisioned

    def reset(self, rng: random.Random) -> None:
        self._cards.clear()
        self._by_reference.clear()
        self._instructions.clear()
        self._of_card.clear()
        self._used_sessions.clear()
        self.rng = rng

    def _hex(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def _evict(self, now: float) -> None:
        tables: tuple[OrderedDict[Any, Any], ...] = (self._cards, self._instructions)
        for table in tables:
            while table:
                key, oldest = next(iter(table.items()))
                if len(table) <= self.limits.max_sessions and now - oldest.last_seen <= self.limits.idle_ttl_seconds:
                    break
                del table[key]
                if isinstance(oldest, Card):
                    self._by_reference.pop(oldest.token_reference, None)
                else:
                    self._forget_instruction(key)
        while len(self._used_sessions) > self.limits.max_sessions:
            self._used_sessions.popitem(last=False)

    # ---- the operations -------------------------------------------------------------------------------

    def provision(self, customer_id: str, client_reference_id: str | None) -> Card | Outcome:
        now = self.clock.now()
        self._evict(now)
        if client_reference_id is not None and client_reference_id in self._used_sessions:
            return Outcome.DUPLICATE_REQUEST
        step_up = base64.b64encode(self._hex().encode()).decode()
        card = Card(customer_id, self._hex(), self._hex(), client_reference_id or self._hex(), step_up, last_seen=now)
        self._cards[card.token_id] = card
        self._by_reference[card.token_reference] = card.token_id
        self._used_sessions[card.client_reference_id] = None
        self._evict(now)
        return card

    def otp_gate(self, token_reference: str, token_id: str) -> Outcome | None:
        """What the journey says before an OTP call: None to let the OTP session decide."""
        card = self._card_by_reference(token_reference)
        if card is None:
            return Outcome.TOKEN_NOT_PROVISIONED if self.limits.require_provisioning else None
        return Outcome.TOKEN_MISMATCH if card.token_id != token_id else None

    def bound(self, token_reference: str) -> None:
        """Validate OTP accepted a code: the card of this token (if provisioned) finished device binding."""
        card = self._card_by_reference(token_reference)
        if card is not None:
            card.bound = True

    def setup(self, token_id: str, client_reference_id: str, customer_id: str, amount: Any) -> Instruction | Outcome:
        now = self.clock.now()
        self._evict(now)
        card = self._cards.get(token_id)
        if card is None:
            return Outcome.TOKEN_NOT_FOUND
        if card.customer_id != customer_id:
            return Outcome.CUSTOMER_MISMATCH
        if not card.bound:
            return Outcome.DEVICE_NOT_BOUND
        self._touch(self._cards, token_id, card, now)
        limit = amount.get("totalAmount") if isinstance(amount, dict) else None
        currency = amount.get("currencyCode") if isinstance(amount, dict) else None
        instruction = Instruction(
            "ins_" + self._hex()[:16],
            float(limit) if isinstance(limit, int | float) and not isinstance(limit, bool) else None,
            currency if isinstance(currency, str) else None,
            last_seen=now,
        )
        key = (token_id, client_reference_id)
        self._instructions.pop(key, None)
        self._forget_instruction(key)
        self._instructions[key] = instruction
        self._of_card.setdefault(token_id, {})[client_reference_id] = instruction
        self._evict(now)
        return instruction

    def fetch(self, token_id: str, client_reference_id: str, details: list[Any]) -> dict[str, str] | Outcome:
        now = self.clock.now()
        self._evict(now)
        card = self._cards.get(token_id)
        if card is None:
            return Outcome.TOKEN_NOT_FOUND
        instruction = self._instructions.get((token_id, client_reference_id))
        if instruction is None:
            return Outcome.INSTRUCTION_NOT_FOUND
        amounts = [d.get("transactionAmount", {}) for d in details if isinstance(d, dict)]
        if instruction.currency is not None and any(
            isinstance(a, dict) and a.get("currencyCode") not in (None, instruction.currency) for a in amounts
        ):
            return Outcome.CURRENCY_MISMATCH
        total = sum(float(a.get("totalAmount", 0)) for a in amounts if isinstance(a, dict))
        if instruction.limit is not None and total > instruction.limit:
            return Outcome.AMOUNT_LIMIT_EXCEEDED
        self._touch(self._cards, token_id, card, now)
        self._touch(self._instructions, (token_id, client_reference_id), instruction, now)
        expiry = self.rng.randrange(1, 13), self.rng.randrange(2030, 2035)
        return {
            "tokenNumber": "4" + "".join(str(self.rng.randrange(10)) for _ in range(15)),
            "expiryMonth": f"{expiry[0]:02d}",
            "expiryYear": str(expiry[1]),
            "cryptogramType": "DTVV",
            "cryptogram": base64.b64encode(self.rng.getrandbits(160).to_bytes(20, "big")).decode(),
        }

    # ---- views ----------------------------------------------------------------------------------------

    def _card_by_reference(self, token_reference: str) -> Card | None:
        token_id = self._by_reference.get(token_reference)
        return self._cards.get(token_id) if token_id is not None else None

    def _forget_instruction(self, key: tuple[str, str]) -> None:
        of_card = self._of_card.get(key[0])
        if of_card is not None:
            of_card.pop(key[1], None)
            if not of_card:
                del self._of_card[key[0]]

    def customer(self, token_reference: Any = None, token_id: Any = None) -> str | None:
        """The customerId of the card with this tokenReference or vProvisionedTokenId, if one is provisioned."""
        card = self._card_by_reference(token_reference) if isinstance(token_reference, str) else None
        if card is None and isinstance(token_id, str):
            card = self._cards.get(token_id)
        return card.customer_id if card is not None else None

    def token_references(self, customer_id: str) -> set[str]:
        """The tokenReferences of every card of one customer (a scan of the cards: for the inbox page's filter)."""
        return {card.token_reference for card in self._cards.values() if card.customer_id == customer_id}

    @staticmethod
    def _touch(table: OrderedDict[Any, Any], key: Any, item: Any, now: float) -> None:
        item.last_seen = now
        table.move_to_end(key)

    def views(self, newest: int | None = None, customer_id: str | None = None) -> list[dict[str, Any]]:
        """Cards with their instructions, most recently used first (for tests and the inbox page; no credentials:
        those are never kept): all of them, or the `newest` few (of one customer's, if given)."""
        chosen: Iterator[Card] = reversed(self._cards.values())
        if customer_id is not None:
            chosen = (card for card in chosen if card.customer_id == customer_id)
        return [
            {
                "customerId": card.customer_id,
                **card.identifiers(),
                "bound": card.bound,
                "instructions": [
                    {
                        "clientReferenceId": reference,
                        "instructionId": item.instruction_id,
                        "limit": item.limit,
                        "currencyCode": item.currency,
                    }
                    for reference, item in self._of_card.get(card.token_id, {}).items()
                ],
            }  # fmt: skip
            for card in islice(chosen, newest)
        ]

    def __len__(self) -> int:
        return len(self._cards)
