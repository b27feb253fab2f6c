from core import transitions
from core.exceptions import DomainError


class InvalidReturnTransition(transitions.InvalidTransition):
    status_code = 400


class ReturnNotAllowed(DomainError):
    """The order cannot be returned (not shipped, outside the window, nothing left to return)."""

    status_code = 400


class ReceivingError(DomainError):
    status_code = 400


class MixedBin(ReceivingError):
    """The bin chosen to restock to holds another product's (or another client's) stock; the person must
    confirm before the units go in."""


class SurveyLinkInvalid(DomainError):
    status_code = 400
