from core.exceptions import DomainError


class InvalidTransition(DomainError):
    status_code = 400


class OrderNotEditable(DomainError):
    status_code = 400
