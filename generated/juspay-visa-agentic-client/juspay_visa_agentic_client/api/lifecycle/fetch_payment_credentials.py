from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.fetch_payment_credentials_refusal import FetchPaymentCredentialsRefusal
from ...models.fetch_payment_credentials_request import FetchPaymentCredentialsRequest
from ...models.fetch_payment_credentials_response import FetchPaymentCredentialsResponse
from ...models.juspay_error import JuspayError
from ...types import Response


def _get_kwargs(
    *,
    body: FetchPaymentCredentialsRequest,
    x_merchantid: str,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["x-merchantid"] = x_merchantid

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/cards/fetchAgenticTransactCreds",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> FetchPaymentCredentialsRefusal | FetchPaymentCredentialsResponse | JuspayError | None:
    if response.status_code == 200:
        response_200 = FetchPaymentCredentialsResponse.from_dict(response.json())

        return response_200

    if response.status_code == 400:

        def _parse_response_400(data: object) -> FetchPaymentCredentialsRefusal | JuspayError:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_400_type_0 = JuspayError.from_dict(data)

                return response_400_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            response_400_type_1 = FetchPaymentCredentialsRefusal.from_dict(data)

            return response_400_type_1

        response_400 = _parse_response_400(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = JuspayError.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = FetchPaymentCredentialsRefusal.from_dict(response.json())

        return response_403

    if response.status_code == 500:
        response_500 = JuspayError.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[FetchPaymentCredentialsRefusal | FetchPaymentCredentialsResponse | JuspayError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: FetchPaymentCredentialsRequest,
    x_merchantid: str,
) -> Response[FetchPaymentCredentialsRefusal | FetchPaymentCredentialsResponse | JuspayError]:
    """Fetch VIC Payment Credentials

     Returns the payment credentials (token and cryptogram) the merchant pays with, for a transaction
    inside the limit of the token's payment instruction. The answer carries card credentials: treat it
    as a secret.

    Args:
        x_merchantid (str):
        body (FetchPaymentCredentialsRequest): The token, the session and the transaction the
            credentials are for.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[FetchPaymentCredentialsRefusal | FetchPaymentCredentialsResponse | JuspayError]
    """

    kwargs = _get_kwargs(
        body=body,
        x_merchantid=x_merchantid,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: FetchPaymentCredentialsRequest,
    x_merchantid: str,
) -> FetchPaymentCredentialsRefusal | FetchPaymentCredentialsResponse | JuspayError | None:
    """Fetch VIC Payment Credentials

     Returns the payment credentials (token and cryptogram) the merchant pays with, for a transaction
    inside the limit of the token's payment instruction. The answer carries card credentials: treat it
    as a secret.

    Args:
        x_merchantid (str):
        body (FetchPaymentCredentialsRequest): The token, the session and the transaction the
            credentials are for.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        FetchPaymentCredentialsRefusal | FetchPaymentCredentialsResponse | JuspayError
    """

    return sync_detailed(
        client=client,
        body=body,
        x_merchantid=x_merchantid,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: FetchPaymentCredentialsRequest,
    x_merchantid: str,
) -> Response[FetchPaymentCredentialsRefusal | FetchPaymentCredentialsResponse | JuspayError]:
    """Fetch VIC Payment Credentials

     Returns the payment credentials (token and cryptogram) the merchant pays with, for a transaction
    inside the limit of the token's payment instruction. The answer carries card credentials: treat it
    as a secret.

    Args:
        x_merchantid (str):
        body (FetchPaymentCredentialsRequest): The token, the session and the transaction the
            credentials are for.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[FetchPaymentCredentialsRefusal | FetchPaymentCredentialsResponse | JuspayError]
    """

    kwargs = _get_kwargs(
        body=body,
        x_merchantid=x_merchantid,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: FetchPaymentCredentialsRequest,
    x_merchantid: str,
) -> FetchPaymentCredentialsRefusal | FetchPaymentCredentialsResponse | JuspayError | None:
    """Fetch VIC Payment Credentials

     Returns the payment credentials (token and cryptogram) the merchant pays with, for a transaction
    inside the limit of the token's payment instruction. The answer carries card credentials: treat it
    as a secret.

    Args:
        x_merchantid (str):
        body (FetchPaymentCredentialsRequest): The token, the session and the transaction the
            credentials are for.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        FetchPaymentCredentialsRefusal | FetchPaymentCredentialsResponse | JuspayError
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            x_merchantid=x_merchantid,
        )
    ).parsed
