import json
import re
from datetime import date
from decimal import Decimal

from django.template import Context, Template

from core.jsonld import json_ld


def test_text_in_the_data_cannot_close_the_script_element():
    data = {"name": "</script><script>alert('x & y')</script>", "note": "<!--"}
    text = json_ld(data)
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\\u003C/script\\u003E" in text
    assert json.loads(text) == data


def test_dates_decimals_and_accents_are_written_as_json():
    text = json_ld({"startDate": date(2026, 3, 14), "price": Decimal("49.50"),
                    "name": "Zoë’s clinic"})  # fmt: skip
    assert json.loads(text) == {
        "startDate": "2026-03-14",
        "price": "49.50",
        "name": "Zoë’s clinic",
    }


def test_the_template_filter_escapes_the_same_way():
    data = {"name": "</script>"}
    html = Template("{% load core %}{{ data|json_ld }}").render(Context({"data": data}))
    assert html == json_ld(data)
    assert not re.search(r"</script", html, re.IGNORECASE)
