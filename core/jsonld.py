"""schema.org data for search engines, written into the page as JSON-LD."""

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import SafeString, mark_safe

# As django.utils.html.json_script: nothing in the data can close the <script>.
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def json_ld(data: Any) -> SafeString:
    """`data` as JSON for inside <script type="application/ld+json">.

    Escaped like json_script, so text in the data (a name, a bio) can never end
    the script element; dates and Decimals are written as DjangoJSONEncoder does.
    """
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return mark_safe(text.translate(_SCRIPT_ESCAPES))  # noqa: S308 - escaped
