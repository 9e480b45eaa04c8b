"""Contains all the data models used in inputs/outputs"""

from .amount_limit import AmountLimit
from .fetch_payment_credentials_refusal import FetchPaymentCredentialsRefusal
from .fetch_payment_credentials_refusal_error_code import FetchPaymentCredentialsRefusalErrorCode
from .fetch_payment_credentials_request import FetchPaymentCredentialsRequest
from .fetch_payment_credentials_response import FetchPaymentCredentialsResponse
from .juspay_error import JuspayError
from .juspay_error_info import JuspayErrorInfo
from .network_type import NetworkType
from .otp_limits import OtpLimits
from .provision_refusal import ProvisionRefusal
from .provision_refusal_error_code import ProvisionRefusalErrorCode
from .provision_token_request import ProvisionTokenRequest
from .provision_token_response import ProvisionTokenResponse
from .session_context import SessionContext
from .setup_agentic_payment_refusal import SetupAgenticPaymentRefusal
from .setup_agentic_payment_refusal_error_code import SetupAgenticPaymentRefusalErrorCode
from .setup_agentic_payment_request import SetupAgenticPaymentRequest
from .setup_agentic_payment_response import SetupAgenticPaymentResponse
from .shipping_address import ShippingAddress
from .transaction_amount import TransactionAmount
from .transaction_detail import TransactionDetail
from .trigger_otp_refusal import TriggerOtpRefusal
from .trigger_otp_refusal_error_code import TriggerOtpRefusalErrorCode
from .trigger_otp_request import TriggerOtpRequest
from .trigger_otp_response import TriggerOtpResponse
from .validate_otp_refusal import ValidateOtpRefusal
from .validate_otp_refusal_response_code import ValidateOtpRefusalResponseCode
from .validate_otp_request import ValidateOtpRequest
from .validate_otp_response import ValidateOtpResponse
from .verification_data import VerificationData

__all__ = (
    "AmountLimit",
    "FetchPaymentCredentialsRefusal",
    "FetchPaymentCredentialsRefusalErrorCode",
    "FetchPaymentCredentialsRequest",
    "FetchPaymentCredentialsResponse",
    "JuspayError",
    "JuspayErrorInfo",
    "NetworkType",
    "OtpLimits",
    "ProvisionRefusal",
    "ProvisionRefusalErrorCode",
    "ProvisionTokenRequest",
    "ProvisionTokenResponse",
    "SessionContext",
    "SetupAgenticPaymentRefusal",
    "SetupAgenticPaymentRefusalErrorCode",
    "SetupAgenticPaymentRequest",
    "SetupAgenticPaymentResponse",
    "ShippingAddress",
    "TransactionAmount",
    "TransactionDetail",
    "TriggerOtpRefusal",
    "TriggerOtpRefusalErrorCode",
    "TriggerOtpRequest",
    "TriggerOtpResponse",
    "ValidateOtpRefusal",
    "ValidateOtpRefusalResponseCode",
    "ValidateOtpRequest",
    "ValidateOtpResponse",
    "VerificationData",
)
