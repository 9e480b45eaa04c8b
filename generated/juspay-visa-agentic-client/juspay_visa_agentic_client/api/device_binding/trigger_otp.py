from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.juspay_error import JuspayError
from ...models.trigger_otp_refusal import TriggerOtpRefusal
from ...models.trigger_otp_request import TriggerOtpRequest
from ...models.trigger_otp_response import TriggerOtpResponse
from ...types import Response


def _get_kwargs(
    *,
    body: TriggerOtpRequest,
    x_merchantid: str,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["x-merchantid"] = x_merchantid

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/initiateVerification",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> JuspayError | TriggerOtpRefusal | TriggerOtpResponse | None:
    if response.status_code == 200:
        response_200 = TriggerOtpResponse.from_dict(response.json())

        return response_200

    if response.status_code == 400:

        def _parse_response_400(data: object) -> JuspayError | TriggerOtpRefusal:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_400_type_0 = JuspayError.from_dict(data)

                return response_400_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            response_400_type_1 = TriggerOtpRefusal.from_dict(data)

            return response_400_type_1

        response_400 = _parse_response_400(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = JuspayError.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = TriggerOtpRefusal.from_dict(response.json())

        return response_403

    if response.status_code == 409:
        response_409 = TriggerOtpRefusal.from_dict(response.json())

        return response_409

    if response.status_code == 429:
        response_429 = TriggerOtpRefusal.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = JuspayError.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[JuspayError | TriggerOtpRefusal | TriggerOtpResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: TriggerOtpRequest,
    x_merchantid: str,
) -> Response[JuspayError | TriggerOtpRefusal | TriggerOtpResponse]:
    """Trigger OTP

     Sends a one-time password to the cardholder so that the device-binding flow of an enrolment can be
    completed. The answer carries the limits that apply to the OTP session.

    Args:
        x_merchantid (str):
        body (TriggerOtpRequest): Identifies the token and the VISA session for which an OTP is
            sent.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[JuspayError | TriggerOtpRefusal | TriggerOtpResponse]
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
    body: TriggerOtpRequest,
    x_merchantid: str,
) -> JuspayError | TriggerOtpRefusal | TriggerOtpResponse | None:
    """Trigger OTP

     Sends a one-time password to the cardholder so that the device-binding flow of an enrolment can be
    completed. The answer carries the limits that apply to the OTP session.

    Args:
        x_merchantid (str):
        body (TriggerOtpRequest): Identifies the token and the VISA session for which an OTP is
            sent.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        JuspayError | TriggerOtpRefusal | TriggerOtpResponse
    """

    return sync_detailed(
        client=client,
        body=body,
        x_merchantid=x_merchantid,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: TriggerOtpRequest,
    x_merchantid: str,
) -> Response[JuspayError | TriggerOtpRefusal | TriggerOtpResponse]:
    """Trigger OTP

     Sends a one-time password to the cardholder so that the device-binding flow of an enrolment can be
    completed. The answer carries the limits that apply to the OTP session.

    Args:
        x_merchantid (str):
        body (TriggerOtpRequest): Identifies the token and the VISA session for which an OTP is
            sent.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[JuspayError | TriggerOtpRefusal | TriggerOtpResponse]
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
    body: TriggerOtpRequest,
    x_merchantid: str,
) -> JuspayError | TriggerOtpRefusal | TriggerOtpResponse | None:
    """Trigger OTP

     Sends a one-time password to the cardholder so that the device-binding flow of an enrolment can be
    completed. The answer carries the limits that apply to the OTP session.

    Args:
        x_merchantid (str):
        body (TriggerOtpRequest): Identifies the token and the VISA session for which an OTP is
            sent.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        JuspayError | TriggerOtpRefusal | TriggerOtpResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            x_merchantid=x_merchantid,
        )
    ).parsed
