"""{% load payments %}: money in pence, as pages print it."""

from django import template

from payments.money import format_pence

register = template.Library()


@register.filter
def pence(value: int | None) -> str:
    """4950 -> '£49.50'; 30000 -> '£300'."""
    return format_pence(value)
