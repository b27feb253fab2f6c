from core.exceptions import DomainError


class InsufficientStock(DomainError):
    status_code = 400


class StockLedgerError(DomainError):
    pass
