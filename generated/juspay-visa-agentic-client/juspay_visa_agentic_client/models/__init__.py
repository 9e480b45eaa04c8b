"""Contains all the data models used in inputs/outputs"""

from .juspay_error import JuspayError
from .juspay_error_info import JuspayErrorInfo
from .network_type import NetworkType
from .otp_limits import OtpLimits
from .trigger_otp_refusal import TriggerOtpRefusal
from .trigger_otp_refusal_error_code import TriggerOtpRefusalErrorCode
from .trigger_otp_request import TriggerOtpRequest
from .trigger_otp_response import TriggerOtpResponse
from .validate_otp_refusal import ValidateOtpRefusal
from .validate_otp_refusal_response_code import ValidateOtpRefusalResponseCode
from .validate_otp_request import ValidateOtpRequest
from .validate_otp_response import ValidateOtpResponse

__all__ = (
    "JuspayError",
    "JuspayErrorInfo",
    "NetworkType",
    "OtpLimits",
    "TriggerOtpRefusal",
    "TriggerOtpRefusalErrorCode",
    "TriggerOtpRequest",
    "TriggerOtpResponse",
    "ValidateOtpRefusal",
    "ValidateOtpRefusalResponseCode",
    "ValidateOtpRequest",
    "ValidateOtpResponse",
)
