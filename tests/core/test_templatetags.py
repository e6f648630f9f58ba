from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.paginator import Paginator
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import RequestFactory


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


def pager(page_number: int, query: str = "", pages: int = 20, **extra) -> str:
    page = Paginator(range(pages), 1).get_page(page_number)
    request = RequestFactory().get(f"/list/?{query}")
    return render_to_string(
        "core/_pagination.html", {"page": page, "request": request, **extra}
    )


def test_the_pager_elides_far_pages_and_keeps_the_filters():
    html = pager(10, "gender=male&page=10&technique=a&technique=b")
    assert 'aria-label="Pages"' in html
    assert 'aria-current="page"><span class="page-link">' in html
    for number in (1, 8, 9, 11, 12, 20):
        assert (
            f'?gender=male&amp;technique=a&amp;technique=b&amp;page={number}"' in html
        )
    assert 'page=2"' not in html and 'page=19"' not in html
    assert html.count("…") == 2
    assert 'rel="prev"' in html and 'rel="next"' in html


def test_the_pager_has_no_previous_on_the_first_page_and_no_next_on_the_last():
    first, last = pager(1), pager(20)
    assert 'rel="prev"' not in first and 'href="?page=2" rel="next"' in first
    assert 'rel="next"' not in last and 'href="?page=19" rel="prev"' in last


def test_the_pager_takes_labels_and_stays_away_from_a_single_page():
    html = pager(2, label="Article pages", previous_label="Newer", next_label="Older")
    assert 'aria-label="Article pages"' in html
    assert '>Newer<span class="visually-hidden"> page</span>' in html
    assert '>Older<span class="visually-hidden"> page</span>' in html
    assert pager(1, pages=1).strip() == ""


@pytest.mark.parametrize("request_value", [None, ""])
def test_the_pager_works_without_a_request(request_value):
    page = Paginator(range(3), 1).get_page(2)
    html = render_to_string(
        "core/_pagination.html", {"page": page, "request": request_value}
    )
    assert 'href="?page=1"' in html and 'href="?page=3"' in html


def test_site_url_gives_what_url_gives():
    for name in ("home", "about", "directory:search", "courses:list"):
        assert render(f"{{% site_url '{name}' %}}") == render(f"{{% url '{name}' %}}")
    assert render("{% site_url 'blog:list' as blog %}[{{ blog }}]") == "[/blog/]"


def test_site_url_of_a_name_the_site_lacks_is_empty():
    assert render("{% site_url 'no-such-page' as missing %}[{{ missing }}]") == "[]"
    assert render("[{% site_url 'no-such-page' %}]") == "[]"


def test_site_url_follows_a_changed_url_configuration(settings):
    assert render("{% site_url 'about' %}") == "/about/"
    settings.ROOT_URLCONF = "tests.core.site_url_urls"
    assert render("{% site_url 'about' %}") == "/elsewhere/about/"
    assert render("{% site_url 'blog:list' as blog %}[{{ blog }}]") == "[]"


def test_site_url_follows_the_script_prefix():
    from django.urls import set_script_prefix

    try:
        set_script_prefix("/school/")
        assert render("{% site_url 'about' %}") == "/school/about/"
    finally:
        set_script_prefix("/")
    assert render("{% site_url 'about' %}") == "/about/"


def test_the_menus_and_footer_use_no_name_the_site_lacks():
    """`site_url` without `as` gives an empty link for a name the site lacks, where
    `{% url %}` fails: each such name in the shared templates resolves."""
    import re
    from pathlib import Path

    from django.conf import settings
    from django.urls import reverse

    folder = Path(settings.TEMPLATES[0]["DIRS"][0])
    for template in ("base.html", "_footer.html"):
        names = re.findall(r"{% site_url '([^']+)' %}", (folder / template).read_text())
        assert names
        for name in names:
            assert reverse(name)


def kept_pager(page_number: int, query: str = "", pages: int = 20, **labels) -> str:
    page = Paginator(range(pages), 1).get_page(page_number)
    request = RequestFactory().get(f"/list/?{query}")
    arguments = "".join(f" {name}={name}" for name in labels)
    return render(
        f"{{% pager page{arguments} %}}", page=page, request=request, **labels
    )


@pytest.mark.parametrize(
    ("number", "query", "pages", "labels"),
    [
        (10, "gender=male&page=10&technique=a&technique=b", 20, {}),
        (1, "", 20, {}),
        (20, "q=x", 20, {}),
        (2, "", 3, {"label": "Article pages", "previous_label": "Newer"}),
        (1, "", 1, {}),
    ],
)
def test_the_kept_pager_is_the_included_one(number, query, pages, labels):
    assert kept_pager(number, query, pages, **labels) == pager(
        number, query, pages, **labels
    )


def test_the_kept_pager_follows_the_query_the_page_and_the_number_of_pages():
    """Each pager is kept for what it shows: another query, page or number of
    pages (a new practitioner making one more page) is another pager."""
    assert 'page=4"' in kept_pager(3, "q=a", pages=4)
    assert 'page=4"' not in kept_pager(3, "q=a", pages=3)
    assert "q=b&amp;page=2" in kept_pager(3, "q=b", pages=4)
    assert 'rel="prev"' not in kept_pager(1, "q=a", pages=4)
    assert kept_pager(3, "q=a", pages=4) == pager(3, "q=a", pages=4)


def test_site_static_gives_what_static_gives(settings):
    assert render("{% site_static 'css/site.css' %}") == Template(
        "{% load static %}{% static 'css/site.css' %}"
    ).render(Context())
    settings.STATIC_URL = "/elsewhere/"
    assert render("{% site_static 'css/site.css' %}") == "/elsewhere/css/site.css"
