from core import transitions
from core.exceptions import DomainError


class InvalidReturnTransition(transitions.InvalidTransition):
    status_code = 400


class ReturnNotAllowed(DomainError):
    """The order cannot be returned (not shipped, outside the window, nothing left to return)."""

    status_code = 400


class ReceivingError(DomainError):
    status_code = 400


class SurveyLinkInvalid(DomainError):
    status_code = 400
