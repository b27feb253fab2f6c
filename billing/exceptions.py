from core.exceptions import DomainError
from core.transitions import InvalidTransition


class BillingError(DomainError):
    """A billing rule refused the request (a finalised invoice, an overlapping period, an unknown service)."""


class InvalidInvoiceTransition(InvalidTransition):
    status_code = 409
