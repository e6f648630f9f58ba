"""How the site writes money, days, date ranges, deadlines and appointment times,
the same in pages, emails and admin lists."""

from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal

from django.utils import timezone


def format_money(amount: Decimal | int | None) -> str:
    """Pounds: '£1,650' for whole pounds, '£49.50' otherwise; '' for None."""
    if amount is None:
        return ""
    amount = Decimal(amount)
    if amount == amount.to_integral_value():
        return f"£{amount:,.0f}"
    return f"£{amount:,.2f}"


def format_day(value: date) -> str:
    """'14 March 2026'."""
    return f"{value.day} {value:%B %Y}"


def format_date_range(start: date, end: date) -> str:
    """'14–15 Mar 2026', '14 Mar – 23 Aug 2026' or '30 Nov 2026 – 8 Feb 2027'."""
    if start == end:
        return f"{start.day} {start:%b %Y}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {end:%b %Y}"
    if start.year == end.year:
        return f"{start.day} {start:%b} – {end.day} {end:%b %Y}"
    return f"{start.day} {start:%b %Y} – {end.day} {end:%b %Y}"


def format_period(start: datetime, end: datetime) -> str:
    """A stretch of time in the active zone, as it was entered: whole days read as
    days, so time off entered up to Friday 8 January reads 'Fri 1 Jan – Fri 8 Jan
    2027', never '… – Sat 9 Jan 2027 00:00'; one day is named once."""
    start, end = timezone.localtime(start), timezone.localtime(end)
    if start.time() == time.min and end.time() == time.min:
        first, last = start.date(), end.date() - timedelta(days=1)
        if first >= last:
            return f"{first:%a} {first.day} {first:%b %Y}"
        same_year = first.year == last.year
        shown = f"{first:%a} {first.day} {first:%b}" + (
            "" if same_year else f" {first.year}"
        )
        return f"{shown} – {last:%a} {last.day} {last:%b %Y}"
    end_text = f"{end:%H:%M}"
    if end.time() == time.min:
        last = end.date() - timedelta(days=1)
        end_text = f"the end of {last:%a} {last.day} {last:%b %Y}"
    elif end.date() != start.date():
        end_text = f"{end:%a} {end.day} {end:%b %Y} {end:%H:%M}"
    return f"{start:%a} {start.day} {start:%b %Y} {start:%H:%M} – {end_text}"


def format_deadline(value: datetime) -> str:
    """'14:30 on Friday 13 March 2026' in the site's zone. Midnight reads as 'the end
    of Friday 13 March 2026': '00:00 on Saturday' is easily taken for a day later."""
    local = timezone.localtime(value)
    if local.time() == time.min:
        day = local.date() - timedelta(days=1)
        return f"the end of {day:%A} {day.day} {day:%B %Y}"
    return f"{local:%H:%M} on {local:%A} {local.day} {local:%B %Y}"


def format_when(moment: datetime, zone: tzinfo, *, year: bool = True) -> str:
    """'Friday 12 March 2027, 10:00 GMT': the wall clock of `zone`, with its name."""
    local = moment.astimezone(zone)
    day = f"{local:%A} {local.day} {local:%B}" + (f" {local.year}" if year else "")
    return f"{day}, {local:%H:%M} {_zone_name(local)}"


def _zone_name(local: datetime) -> str:
    name = local.tzname() or ""
    # Zones without a customary abbreviation report their offset ("+04").
    if not name or name[0] in "+-":
        return f"UTC{name} ({local.tzinfo})"
    return name
