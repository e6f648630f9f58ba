"""core/markdown.py: CommonMark (markdown-it-py), then nh3."""

import pytest

from core.markdown import render_markdown, renderer_version


def squash(html: str) -> str:
    return "".join(html.split())


def test_a_list_straight_after_a_line_of_text_is_a_list():
    # Python-Markdown needed a blank line before the list and printed this as
    # one paragraph of text with dashes in it.
    html = render_markdown("What to bring:\n- a towel\n- loose clothes")
    assert squash(html) == squash(
        "<p>What to bring:</p><ul><li>a towel</li><li>loose clothes</li></ul>"
    )


def test_a_numbered_list_straight_after_a_line_of_text_is_a_list():
    html = render_markdown("Before you come:\n1. eat lightly\n2. arrive early")
    assert squash(html) == squash(
        "<p>Before you come:</p><ol><li>eat lightly</li><li>arrive early</li></ol>"
    )


def test_lists_nest_under_their_item_at_two_spaces_or_three():
    html = render_markdown("- back\n  - lower\n    - sacrum\n- neck")
    assert squash(html) == squash(
        "<ul><li>back<ul><li>lower<ul><li>sacrum</li></ul></li></ul></li>"
        "<li>neck</li></ul>"
    )
    html = render_markdown("1. Warm up\n   - hands\n   - forearms\n2. Work")
    assert squash(html) == squash(
        "<ol><li>Warm up<ul><li>hands</li><li>forearms</li></ul></li><li>Work</li></ol>"
    )


def test_a_numbered_list_keeps_its_first_number():
    assert '<ol start="3">' in render_markdown("3. third\n4. fourth")


def test_ordinary_formatting_survives():
    html = render_markdown(
        "## Heading\n\n### Smaller\n\n**bold**, *italic*, `code`\n\n> quoted\n\n---"
    )
    expected = [
        "<h2>Heading</h2>",
        "<h3>Smaller</h3>",
        "<strong>bold</strong>",
        "<em>italic</em>",
        "<code>code</code>",
        "<blockquote>",
        "<hr>",
    ]
    for fragment in expected:
        assert fragment in html


@pytest.mark.parametrize(
    "source, forbidden",
    [
        ("<script>alert(1)</script>\n\nText", "alert"),
        ("Text <script>alert(1)</script> inline", "<script"),
        ("[click](javascript:alert(1))", 'href="javascript'),
        ('<a href="javascript:alert(1)">x</a>', "javascript:"),
        ("[x](JAVASCRIPT:alert(1))", 'href="JAVASCRIPT'),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", 'href="data:'),
        ("<img src=x onerror=alert(1)>", "onerror"),
        ('<iframe src="https://evil.example"></iframe>', "<iframe"),
        ('<p style="color:red" onclick="x()">hi</p>', "onclick"),
        ('<p style="color:red">hi</p>', "style="),
        ("<style>body{display:none}</style>", "display:none"),
        ('<form action="/x"><input name="q"></form>', "<input"),
        ("![x](javascript:alert(1))", 'src="javascript:'),
    ],
)
def test_hostile_input_is_neutralised(source, forbidden):
    html = render_markdown(source, allow_images=True)
    assert forbidden not in html


def test_images_only_where_allowed():
    source = "![A stone](/media/blog/stone.jpg)"
    assert '<img src="/media/blog/stone.jpg" alt="A stone">' in render_markdown(
        source, allow_images=True
    )
    assert "<img" not in render_markdown(source)


def test_raw_html_of_allowed_tags_stays_without_its_attributes():
    html = render_markdown('Hello <b class="x" onclick="y">there</b>')
    assert html == "<p>Hello <b>there</b></p>\n"


def test_the_version_names_the_libraries_and_the_site_host(settings):
    settings.SITE_URL = "https://holistictouch.example"
    version = renderer_version()
    assert "markdown-it-py" in version and "nh3" in version
    assert version.endswith("/holistictouch.example")
    settings.SITE_URL = "https://www.holistictouch.example"
    assert renderer_version() != version
