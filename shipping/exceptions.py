from core import transitions
from core.exceptions import DomainError


class PickingError(DomainError):
    """The pick list cannot do this now (wrong status, nothing to release, line already done)."""

    status_code = 400


class InvalidPickListTransition(PickingError, transitions.InvalidTransition):
    """The pick list cannot make that move (PICK_LIST_TRANSITIONS); a PickingError to the floor's screens."""


class WrongScan(DomainError):
    """The scanned code is not the location or item the picker should be at; nothing was counted."""

    status_code = 409


class InvalidShipmentTransition(transitions.InvalidTransition):
    status_code = 400


class PackingError(DomainError):
    """The pack station cannot do that now (not every unit verified, a box that does not fit...)."""


class ItemRefused(DomainError):
    """A scanned item was refused (wrong item, one too many, unknown barcode) and recorded as a caught mis-pick."""

    status_code = 409


class RateCardError(DomainError):
    """A rate-card CSV file is malformed; the message names the file and line."""


class RatingError(DomainError):
    """No rate can be given (unknown destination, nothing eligible)."""


class CarrierError(DomainError):
    """The carrier refused or failed a request (label, rate)."""

    status_code = 502


class CarrierUnavailable(CarrierError):
    """The carrier did not answer in time or failed on its side (timeout, 429, 5xx); worth trying again later."""

    status_code = 503
    permanent = False


class LabelQueued(CarrierUnavailable):
    """The label could not be bought now; durable work buys it with backoff, and the shipment page shows it."""


class PrintingError(DomainError):
    """Nothing can be printed this way (no printer at the station, lp missing on this machine)."""


class PrinterUnreachable(Exception):
    """The printer did not take the job (off, unplugged, a CUPS error); the job retries with backoff."""

    permanent = False

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
