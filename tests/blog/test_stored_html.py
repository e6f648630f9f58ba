"""Posts and disclaimers store their rendered Markdown; page views never render."""

import io

import pytest
from django.core.management import call_command

from blog import services
from blog.models import Disclaimer, Post
from core.markdown import renderer_version
from tests.blog.factories import DisclaimerFactory, PostFactory

pytestmark = pytest.mark.django_db


def test_saving_a_post_stores_its_html_and_the_renderer_version():
    post = PostFactory(body="Bring:\n- a towel\n- water")
    stored = Post.objects.get(pk=post.pk)
    assert "<li>a towel</li>" in stored.body_html
    assert stored.body_html_version == renderer_version()


def test_an_edit_renders_again():
    post = PostFactory(body="First *version*")
    post.body = "Second **version**"
    post.save()
    assert Post.objects.get(pk=post.pk).body_html == (
        "<p>Second <strong>version</strong></p>\n"
    )


def test_a_save_of_other_fields_keeps_the_stored_html_with_the_body():
    post = PostFactory(body="Kept")
    Post.objects.filter(pk=post.pk).update(body_html="<p>stored</p>")
    post.refresh_from_db()
    services.publish_post(post=post)  # saves status and publish time only
    assert Post.objects.get(pk=post.pk).body_html == "<p>stored</p>"
    post.body = "Changed"
    post.save(update_fields=["body", "updated_at"])
    assert Post.objects.get(pk=post.pk).body_html == "<p>Changed</p>\n"


def test_the_article_shows_the_stored_html_and_renders_nothing(
    client, django_assert_max_num_queries
):
    disclaimer = DisclaimerFactory(body="See your *doctor* first.")
    post = PostFactory(body="The **real** body", disclaimer=disclaimer)
    # What the page shows comes from the row, not from rendering the body: a
    # stored text the body could not produce is what appears.
    Post.objects.filter(pk=post.pk).update(body_html="<p>STORED POST HTML</p>")
    Disclaimer.objects.filter(pk=disclaimer.pk).update(
        body_html="<p>STORED DISCLAIMER HTML</p>"
    )
    with django_assert_max_num_queries(12):
        html = client.get(post.get_absolute_url()).content.decode()
    assert "<p>STORED POST HTML</p>" in html
    assert "<strong>real</strong>" not in html
    assert "<p>STORED DISCLAIMER HTML</p>" in html
    # Nor does a page view write: the stored version is as it was.
    assert Post.objects.get(pk=post.pk).body_html == "<p>STORED POST HTML</p>"


def test_the_command_renders_again_only_what_another_version_made(settings):
    fresh = PostFactory(body="Fresh")
    stale = PostFactory(body="Line:\n- listed")
    disclaimer = DisclaimerFactory(body="*Careful*")
    Post.objects.filter(pk=stale.pk).update(
        body_html="<p>Line: - listed</p>", body_html_version="python-markdown"
    )
    Disclaimer.objects.filter(pk=disclaimer.pk).update(body_html_version="old")
    Post.objects.filter(pk=fresh.pk).update(body_html="<p>untouched</p>")
    updated_at = Post.objects.get(pk=stale.pk).updated_at

    out = io.StringIO()
    call_command("render_markdown", stdout=out)

    assert out.getvalue().strip() == "Rendered 2 stored texts again."
    stale = Post.objects.get(pk=stale.pk)
    assert "<li>listed</li>" in stale.body_html
    assert stale.body_html_version == renderer_version()
    assert stale.updated_at == updated_at  # not an edit: the modified time stays
    assert Disclaimer.objects.get(pk=disclaimer.pk).body_html == (
        "<p><em>Careful</em></p>\n"
    )
    assert Post.objects.get(pk=fresh.pk).body_html == "<p>untouched</p>"
    assert services.render_stale_markdown() == 0  # a second run changes nothing


def test_a_new_site_host_renders_again_for_its_links(settings):
    settings.SITE_URL = "https://old.example"
    post = PostFactory(body="[home](https://new.example/)")
    assert 'rel="nofollow' in Post.objects.get(pk=post.pk).body_html
    settings.SITE_URL = "https://new.example"
    assert services.render_stale_markdown() >= 1
    assert 'rel="nofollow' not in Post.objects.get(pk=post.pk).body_html
