"""Links only to pages the user may open: `{% may_open "reports:rebalance" as can %}{% if can %}<a …>{% endif %}`."""

from django import template

from core.decorators import may_open as _may_open

register = template.Library()


@register.simple_tag(takes_context=True)
def may_open(context, url_name: str, *args, **kwargs) -> bool:
    return _may_open(context["request"].user, url_name, *args, **kwargs)
