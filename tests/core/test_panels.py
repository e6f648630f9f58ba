import pytest
from django.template import Context, Engine

from core import panels

PAGE = "{% load core %}<main>{% panels place subject note=note %}</main>"
TEMPLATES = {
    "page.html": PAGE,
    "first.html": "[first {{ subject }} {{ note }}]",
    "second.html": "[second {{ subject }}]",
    "leaky.html": "[{{ secret|default:'no secret' }} {{ csrf_token }}]",
}


def render(place: str, **context) -> str:
    engine = Engine(
        loaders=[("django.template.loaders.locmem.Loader", TEMPLATES)],
        libraries={"core": "core.templatetags.core"},
    )
    values = {"place": place, "subject": "Ada", "note": "hi", **context}
    return engine.get_template("page.html").render(Context(values))


@pytest.fixture
def register():
    """panels.register, undone after the test."""
    added = []

    def add(*args, **kwargs):
        added.append(panels.register(*args, **kwargs))
        return added[-1]

    yield add
    for panel in added:
        panels.unregister(panel)


def echo(subject, note=""):
    return {"subject": subject, "note": note}


def test_a_place_shows_each_registered_panel_in_order_with_the_tags_arguments(
    register,
):
    register("test_page", "second.html", context=echo, order=20)
    register("test_page", "first.html", context=echo, order=10)
    assert render("test_page") == "<main>[first Ada hi][second Ada]</main>"


def test_a_panel_with_nothing_to_show_and_an_empty_place_render_nothing(register):
    register("test_quiet", "first.html", context=lambda subject, note: None)
    assert render("test_quiet") == "<main></main>"
    assert render("test_nobody_registered") == "<main></main>"


def test_a_panel_sees_only_its_own_context_and_the_csrf_token(register):
    register("test_leak", "leaky.html", context=lambda subject, note: {})
    html = render("test_leak", secret="page only", csrf_token="tok")
    assert html == "<main>[no secret tok]</main>"


def test_registering_a_panel_twice_shows_it_once(register):
    register("test_twice", "second.html", context=echo)
    register("test_twice", "second.html", context=echo)
    assert render("test_twice") == "<main>[second Ada]</main>"
    assert len(panels.registered("test_twice")) == 1


def test_an_unregistered_panel_is_gone(register):
    panel = register("test_gone", "second.html", context=echo)
    panels.unregister(panel)
    panels.unregister(panel)  # a second time is harmless
    assert render("test_gone") == "<main></main>"


def test_bookings_and_courses_contribute_to_the_directory_and_blog_pages():
    assert [p.template for p in panels.registered("practitioner_profile")] == [
        "bookings/_profile_panel.html",
        "reviews/_profile_panel.html",
    ]
    assert [p.template for p in panels.registered("blog_post")] == [
        "courses/_post_panel.html"
    ]
