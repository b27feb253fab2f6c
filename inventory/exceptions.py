from core.exceptions import DomainError


class InsufficientStock(DomainError):
    status_code = 400


class StockLedgerError(DomainError):
    pass


class MixedBin(DomainError):
    """The bin chosen to put units into holds another product's (or another client's) stock; the person must
    confirm before the units go in (receiving, the returns desk)."""
