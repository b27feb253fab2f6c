from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def price(value) -> str:
    """A price with at least two decimals and no trailing zeros beyond them (2.50, 1.071429)."""
    if value in (None, ""):
        return ""
    value = Decimal(value).normalize()
    places = max(2, -value.as_tuple().exponent)
    return f"{value:.{places}f}"


@register.filter
def qty(value) -> str:
    """A quantity without trailing zeros (28, 1.5, 1000.0001)."""
    if value in (None, ""):
        return ""
    return f"{Decimal(value).normalize():f}"
