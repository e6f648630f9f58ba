"""Amounts of money as whole pence (int). Never floats.

The domain apps keep prices as Decimal pounds with two places (the admin and the
forms edit them so); they cross into payments through `pence()`, which refuses
anything that is not an exact number of pence.
"""

from decimal import Decimal

from core.formatting import format_money


def pence(pounds: Decimal | int) -> int:
    """Decimal("49.50") -> 4950. Floats and fractions of a penny are refused."""
    if isinstance(pounds, bool) or not isinstance(pounds, Decimal | int):
        raise TypeError(f"Amounts are Decimal pounds or int, not {type(pounds)}.")
    value = Decimal(pounds) * 100
    if value != value.to_integral_value():
        raise ValueError(f"{pounds} is not a whole number of pence.")
    return int(value)


def pounds(amount_pence: int) -> Decimal:
    """4950 -> Decimal("49.50"), exactly."""
    if isinstance(amount_pence, bool) or not isinstance(amount_pence, int):
        raise TypeError(f"Pence are int, not {type(amount_pence)}.")
    return Decimal(amount_pence).scaleb(-2)


def format_pence(amount_pence: int | None) -> str:
    """4950 -> '£49.50', 30000 -> '£300', as core.formatting prints pounds."""
    if amount_pence is None:
        return ""
    return format_money(pounds(amount_pence))
