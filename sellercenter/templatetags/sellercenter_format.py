"""Template filters of the one formatting rule (sellercenter.formatting)."""

from django import template

from sellercenter import formatting

register = template.Library()


@register.filter
def money(amount, currency="VND"):
    return formatting.format_money(amount, currency or "VND")


@register.filter
def count(value):
    return formatting.format_count(value)


@register.filter
def percent(value):
    return formatting.format_percent(value)


@register.filter
def local_datetime(value):
    return formatting.format_datetime(value)


@register.filter
def local_date(value):
    return formatting.format_date(value)


@register.filter
def figure(fig, currency="VND"):
    """A `Figure`'s value, formatted by its unit."""
    return formatting.format_figure(fig.value, fig.unit, currency)


@register.filter
def figure_previous(fig, currency="VND"):
    return formatting.format_figure(fig.previous, fig.unit, currency)


@register.filter
def signed_percent(value):
    if value is None:
        return "–"
    sign = "+" if value > 0 else ""
    return f"{sign}{formatting.format_percent(value)}"
