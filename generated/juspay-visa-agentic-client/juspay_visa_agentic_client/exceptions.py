"""Everything `JuspayClient` and `AsyncJuspayClient` raise. One root, so `except JuspayClientError` catches all.

    JuspayClientError            root; also raised for a bad client configuration (ConfigurationError)
    ├── ConfigurationError       the client was built with an unknown environment or empty credentials
    ├── ApiError                 a documented non-2xx answer
    │   ├── AuthenticationError  401: wrong API key, or x-merchantid not the key's merchant
    │   ├── InvalidRequestError  400 with Juspay's error envelope: a malformed request
    │   ├── ServerError          any 5xx, whatever its body
    │   └── Refused              a business refusal (the journey's order, a limit), one class per code:
    │       ├── DuplicateRequest        DUPLICATE_REQUEST
    │       ├── TokenNotFound           TOKEN_NOT_FOUND
    │       ├── DeviceNotBound          DEVICE_NOT_BOUND
    │       ├── CustomerMismatch        CUSTOMER_MISMATCH
    │       ├── InstructionNotFound     INSTRUCTION_NOT_FOUND
    │       ├── CurrencyMismatch        CURRENCY_MISMATCH
    │       ├── AmountLimitExceeded     AMOUNT_LIMIT_EXCEEDED
    │       └── OtpRefused       a refusal of Trigger OTP or Validate OTP:
    │           ├── OtpRequestLimitExceeded OTP_REQUEST_LIMIT_EXCEEDED
    │           ├── SessionLocked       SESSION_LOCKED
    │           ├── DeviceAlreadyBound  DEVICE_ALREADY_BOUND
    │           ├── TokenMismatch       TOKEN_MISMATCH
    │           ├── TokenNotProvisioned TOKEN_NOT_PROVISIONED
    │           ├── InvalidOtp          INVALID_OTP
    │           ├── OtpExpired          OTP_EXPIRED
    │           └── SessionNotFound     SESSION_NOT_FOUND
    ├── UnexpectedResponse       an undocumented status, a body that is not JSON, or JSON that does not match
    │   │                        the documented schema
    │   ├── AnswerTooLarge       the answer is larger than `max_answer_bytes` (read no further)
    │   └── AnswerTooDeep        the answer's JSON is nested deeper than 64 levels (never parsed)
    └── NetworkError             no answer: the connection failed or broke
        └── JuspayTimeout        no whole answer within the timeout (a total deadline, not per read)

Every exception carries `status_code`, `code`, `message` and `request_id` where the answer had them. None of
them (nor `args`, `str` or `repr`) ever holds the API key in any encoding, its Basic value, the OTP sent or a
payment credential received, whole or as any 8-character piece.
"""

from __future__ import annotations


class JuspayClientError(Exception):
    """The root of everything the client raises."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.code = code
        self.request_id = request_id

    def __str__(self) -> str:
        where = f"HTTP {self.status_code}" if self.status_code is not None else ""
        code = f"{self.code}" if self.code else ""
        prefix = ", ".join(part for part in (where, code) if part)
        return f"{prefix}: {self.message}" if prefix else self.message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status_code={self.status_code!r}, code={self.code!r}, "
            f"message={self.message!r}, request_id={self.request_id!r})"
        )


class ConfigurationError(JuspayClientError, ValueError):
    """The client cannot be built as asked (unknown environment, empty API key or merchant id)."""


class ApiError(JuspayClientError):
    """Juspay answered with a documented non-2xx status."""


class AuthenticationError(ApiError):
    """401: the API key is wrong, or `x-merchantid` does not name the merchant the key belongs to."""


class InvalidRequestError(ApiError):
    """400 with Juspay's error envelope: the request was malformed. `code` is Juspay's `error_code`."""


class ServerError(ApiError):
    """Juspay failed (any 5xx). Trigger OTP may still have sent a code: do not resend blindly."""


class Refused(ApiError):
    """Juspay refused the call for a business reason (the journey's order, a limit); `code` says which."""


class OtpRefused(Refused):
    """The OTP session refused the call; `code` is the refusal code of the answer."""


class OtpRequestLimitExceeded(OtpRefused):
    """Refusal code `OTP_REQUEST_LIMIT_EXCEEDED` (Trigger OTP)."""


class SessionLocked(OtpRefused):
    """Refusal code `SESSION_LOCKED` (Trigger OTP and Validate OTP)."""


class DeviceAlreadyBound(OtpRefused):
    """Refusal code `DEVICE_ALREADY_BOUND` (Trigger OTP and Validate OTP)."""


class TokenMismatch(OtpRefused):
    """Refusal code `TOKEN_MISMATCH` (Trigger OTP and Validate OTP)."""


class TokenNotProvisioned(OtpRefused):
    """Refusal code `TOKEN_NOT_PROVISIONED` (Trigger OTP and Validate OTP)."""


class InvalidOtp(OtpRefused):
    """Refusal code `INVALID_OTP` (Validate OTP)."""


class OtpExpired(OtpRefused):
    """Refusal code `OTP_EXPIRED` (Validate OTP)."""


class SessionNotFound(OtpRefused):
    """Refusal code `SESSION_NOT_FOUND` (Validate OTP)."""


class DuplicateRequest(Refused):
    """Refusal code `DUPLICATE_REQUEST` (Provision token and create passkey)."""


class TokenNotFound(Refused):
    """Refusal code `TOKEN_NOT_FOUND` (Setup Agentic Payment and Fetch VIC Payment Credentials)."""


class DeviceNotBound(Refused):
    """Refusal code `DEVICE_NOT_BOUND` (Setup Agentic Payment)."""


class CustomerMismatch(Refused):
    """Refusal code `CUSTOMER_MISMATCH` (Setup Agentic Payment)."""


class InstructionNotFound(Refused):
    """Refusal code `INSTRUCTION_NOT_FOUND` (Fetch VIC Payment Credentials)."""


class CurrencyMismatch(Refused):
    """Refusal code `CURRENCY_MISMATCH` (Fetch VIC Payment Credentials)."""


class AmountLimitExceeded(Refused):
    """Refusal code `AMOUNT_LIMIT_EXCEEDED` (Fetch VIC Payment Credentials)."""


class UnexpectedResponse(JuspayClientError):
    """The answer is outside the contract: an undocumented status, a non-JSON body, or a schema mismatch."""


class AnswerTooLarge(UnexpectedResponse):
    """The answer grew past the client's `max_answer_bytes`; it was not read further."""


class AnswerTooDeep(UnexpectedResponse):
    """The answer's JSON is nested deeper than the client parses (64 levels)."""


class NetworkError(JuspayClientError):
    """No answer: the connection could not be made or broke before the answer arrived."""


class JuspayTimeout(NetworkError):
    """No whole answer within the configured timeout (a total deadline, however slowly the answer drips)."""


REFUSALS: dict[str, type[Refused]] = {
    "OTP_REQUEST_LIMIT_EXCEEDED": OtpRequestLimitExceeded,
    "SESSION_LOCKED": SessionLocked,
    "DEVICE_ALREADY_BOUND": DeviceAlreadyBound,
    "TOKEN_MISMATCH": TokenMismatch,
    "TOKEN_NOT_PROVISIONED": TokenNotProvisioned,
    "INVALID_OTP": InvalidOtp,
    "OTP_EXPIRED": OtpExpired,
    "SESSION_NOT_FOUND": SessionNotFound,
    "DUPLICATE_REQUEST": DuplicateRequest,
    "TOKEN_NOT_FOUND": TokenNotFound,
    "DEVICE_NOT_BOUND": DeviceNotBound,
    "CUSTOMER_MISMATCH": CustomerMismatch,
    "INSTRUCTION_NOT_FOUND": InstructionNotFound,
    "CURRENCY_MISMATCH": CurrencyMismatch,
    "AMOUNT_LIMIT_EXCEEDED": AmountLimitExceeded,
}
"""The exception class for each refusal code the spec documents."""

__all__ = [
    "AnswerTooDeep",
    "AnswerTooLarge",
    "ApiError",
    "AuthenticationError",
    "ConfigurationError",
    "InvalidRequestError",
    "JuspayClientError",
    "JuspayTimeout",
    "NetworkError",
    "OtpRefused",
    "Refused",
    "ServerError",
    "UnexpectedResponse",
    "OtpRequestLimitExceeded",
    "SessionLocked",
    "DeviceAlreadyBound",
    "TokenMismatch",
    "TokenNotProvisioned",
    "InvalidOtp",
    "OtpExpired",
    "SessionNotFound",
    "DuplicateRequest",
    "TokenNotFound",
    "DeviceNotBound",
    "CustomerMismatch",
    "InstructionNotFound",
    "CurrencyMismatch",
    "AmountLimitExceeded",
    "REFUSALS",
]
