from core import transitions
from core.exceptions import DomainError


class InvalidTransition(transitions.InvalidTransition):
    """An order cannot make that move (ORDER_TRANSITIONS); orders' own kind, so catching it catches no other."""

    status_code = 400


class OrderNotEditable(DomainError):
    status_code = 400
