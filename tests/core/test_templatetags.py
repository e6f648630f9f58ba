from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.template import Context, Template


def render(source: str, **context) -> str:
    return Template("{% load core %}" + source).render(Context(context))


def test_markdown_becomes_safe_html():
    html = render("{{ text|markdown }}", text="**Hello** <script>x()</script>")
    assert "<strong>Hello</strong>" in html
    assert "<script>" not in html


def test_money_and_deadline_filters():
    assert render("{{ amount|money }}", amount=Decimal("1650")) == "£1,650"
    moment = datetime(2026, 3, 13, 14, 30, tzinfo=ZoneInfo("Europe/London"))
    assert render("{{ moment|deadline }}", moment=moment) == (
        "14:30 on Friday 13 March 2026"
    )
    assert render("{{ moment|deadline }}", moment=None) == ""
