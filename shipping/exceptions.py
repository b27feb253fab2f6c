from inventory.exceptions import DomainError


class PickingError(DomainError):
    """The pick list cannot do this now (wrong status, nothing to release, line already done)."""

    status_code = 400


class WrongScan(DomainError):
    """The scanned code is not the location or item the picker should be at; nothing was counted."""

    status_code = 409
