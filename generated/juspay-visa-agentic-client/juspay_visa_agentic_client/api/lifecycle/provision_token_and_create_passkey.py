from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.juspay_error import JuspayError
from ...models.provision_refusal import ProvisionRefusal
from ...models.provision_token_request import ProvisionTokenRequest
from ...models.provision_token_response import ProvisionTokenResponse
from ...types import Response


def _get_kwargs(
    *,
    body: ProvisionTokenRequest,
    x_merchantid: str,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["x-merchantid"] = x_merchantid

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/provision-token-passkey",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> JuspayError | ProvisionRefusal | ProvisionTokenResponse | None:
    if response.status_code == 200:
        response_200 = ProvisionTokenResponse.from_dict(response.json())

        return response_200

    if response.status_code == 400:

        def _parse_response_400(data: object) -> JuspayError | ProvisionRefusal:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_400_type_0 = JuspayError.from_dict(data)

                return response_400_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            response_400_type_1 = ProvisionRefusal.from_dict(data)

            return response_400_type_1

        response_400 = _parse_response_400(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = JuspayError.from_dict(response.json())

        return response_401

    if response.status_code == 409:
        response_409 = ProvisionRefusal.from_dict(response.json())

        return response_409

    if response.status_code == 500:
        response_500 = JuspayError.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[JuspayError | ProvisionRefusal | ProvisionTokenResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: ProvisionTokenRequest,
    x_merchantid: str,
) -> Response[JuspayError | ProvisionRefusal | ProvisionTokenResponse]:
    """Provision token and create passkey

     Creates the VISA token of a card and the passkey for the device and card, binds a device for a new
    enrolment, or verifies a passkey during a purchase. A new card then finishes device binding with
    Trigger OTP and Validate OTP.

    Args:
        x_merchantid (str):
        body (ProvisionTokenRequest): The customer and VISA session for which a token and passkey
            are created.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[JuspayError | ProvisionRefusal | ProvisionTokenResponse]
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
    body: ProvisionTokenRequest,
    x_merchantid: str,
) -> JuspayError | ProvisionRefusal | ProvisionTokenResponse | None:
    """Provision token and create passkey

     Creates the VISA token of a card and the passkey for the device and card, binds a device for a new
    enrolment, or verifies a passkey during a purchase. A new card then finishes device binding with
    Trigger OTP and Validate OTP.

    Args:
        x_merchantid (str):
        body (ProvisionTokenRequest): The customer and VISA session for which a token and passkey
            are created.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        JuspayError | ProvisionRefusal | ProvisionTokenResponse
    """

    return sync_detailed(
        client=client,
        body=body,
        x_merchantid=x_merchantid,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: ProvisionTokenRequest,
    x_merchantid: str,
) -> Response[JuspayError | ProvisionRefusal | ProvisionTokenResponse]:
    """Provision token and create passkey

     Creates the VISA token of a card and the passkey for the device and card, binds a device for a new
    enrolment, or verifies a passkey during a purchase. A new card then finishes device binding with
    Trigger OTP and Validate OTP.

    Args:
        x_merchantid (str):
        body (ProvisionTokenRequest): The customer and VISA session for which a token and passkey
            are created.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[JuspayError | ProvisionRefusal | ProvisionTokenResponse]
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
    body: ProvisionTokenRequest,
    x_merchantid: str,
) -> JuspayError | ProvisionRefusal | ProvisionTokenResponse | None:
    """Provision token and create passkey

     Creates the VISA token of a card and the passkey for the device and card, binds a device for a new
    enrolment, or verifies a passkey during a purchase. A new card then finishes device binding with
    Trigger OTP and Validate OTP.

    Args:
        x_merchantid (str):
        body (ProvisionTokenRequest): The customer and VISA session for which a token and passkey
            are created.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        JuspayError | ProvisionRefusal | ProvisionTokenResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            x_merchantid=x_merchantid,
        )
    ).parsed
