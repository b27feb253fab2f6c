from core import transitions
from core.exceptions import DomainError
from inventory.exceptions import MixedBin as InventoryMixedBin


class InvalidReturnTransition(transitions.InvalidTransition):
    status_code = 400


class ReturnNotAllowed(DomainError):
    """The order cannot be returned (not shipped, outside the window, nothing left to return)."""

    status_code = 400


class ReceivingError(DomainError):
    status_code = 400


class MixedBin(ReceivingError, InventoryMixedBin):
    """The bin chosen to restock to holds another product's (or another client's) stock; the person must
    confirm before the units go in."""


class SurveyLinkInvalid(DomainError):
    status_code = 400
