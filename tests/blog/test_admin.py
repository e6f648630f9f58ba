import zoneinfo
from datetime import datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from blog.models import Post, Video
from tests.blog.factories import EditorFactory, PostFactory, VideoFactory
from tests.directory.factories import TechniqueFactory

pytestmark = pytest.mark.django_db

UK = zoneinfo.ZoneInfo("Europe/London")


def post_form(**overrides) -> dict:
    data = {
        "title": "Hot stones in winter",
        "slug": "hot-stones-in-winter",
        "summary": "Why warmth helps.",
        "body": "Warm stones relax muscles.",
        "hero_alt": "",
        "status": "draft",
        "publish_at_0": "",
        "publish_at_1": "",
        "seo_title": "",
        "meta_description": "",
        "video_links-TOTAL_FORMS": "0",
        "video_links-INITIAL_FORMS": "0",
        "video_links-MIN_NUM_FORMS": "0",
        "video_links-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_the_editors_group_holds_only_blog_permissions():
    editors = Group.objects.get(name="Editors")
    permissions = list(editors.permissions.select_related("content_type"))
    assert {p.content_type.app_label for p in permissions} == {"blog"}
    codenames = {p.codename for p in permissions}
    for model in ["post", "tag", "video", "postvideo", "disclaimer"]:
        for action in ["add", "change", "delete", "view"]:
            assert f"{action}_{model}" in codenames


def test_an_editor_cannot_open_the_practitioner_or_user_admin(client):
    client.force_login(EditorFactory())
    for name in [
        "admin:directory_practitioner_changelist",
        "admin:directory_technique_changelist",
        "admin:users_user_changelist",
        "admin:auth_group_changelist",
    ]:
        assert client.get(reverse(name)).status_code == 403, name
    index = client.get(reverse("admin:index")).content.decode()
    assert "Posts" in index
    assert "Practitioners" not in index


def test_an_editor_cannot_open_the_bookings_courses_or_outbox_admin(client):
    client.force_login(EditorFactory())
    for name in [
        "admin:bookings_booking_changelist",
        "admin:bookings_service_changelist",
        "admin:courses_enrolment_changelist",
        "admin:notifications_outboundemail_changelist",
    ]:
        assert client.get(reverse(name)).status_code == 403, name
    index = client.get(reverse("admin:index")).content.decode()
    assert "Bookings" not in index and "Enrolments" not in index


def test_an_editor_writes_a_draft_and_previews_it(client):
    editor = EditorFactory()
    deep = TechniqueFactory(slug="deep-tissue")
    client.force_login(editor)
    assert client.get(reverse("admin:blog_post_add")).status_code == 200
    stones = VideoFactory(url="https://youtu.be/abcDEF12345", title="Stones")
    response = client.post(
        reverse("admin:blog_post_add"),
        post_form(author=editor.pk, techniques=[deep.pk],
                  **{"video_links-TOTAL_FORMS": "1",
                     "video_links-0-video": str(stones.pk),
                     "video_links-0-position": "0"}),
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    post = Post.objects.get(slug="hot-stones-in-winter")
    assert post.author == editor
    assert post.disclaimer.title == "Health disclaimer"
    assert post.videos.get().video_id == "abcDEF12345"
    assert client.get(post.get_absolute_url()).status_code == 404
    preview = client.get(reverse("blog:preview", kwargs={"pk": post.pk}))
    assert preview.status_code == 200
    assert "Hot stones in winter" in preview.content.decode()


def test_the_admin_refuses_a_video_that_is_not_on_youtube(client):
    editor = EditorFactory()
    client.force_login(editor)
    response = client.post(
        reverse("admin:blog_video_add"),
        {"title": "Bad", "slug": "bad", "url": "https://evil.example/watch?v=abcDEF12345",
         "description": "", "uploaded_on": "2026-01-05", "duration_seconds": "",
         "is_published": "on"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Paste the address of a YouTube video" in response.content.decode()
    assert not Video.objects.exists()


@pytest.mark.parametrize("field", ["title", "summary", "seo_title", "meta_description"])
def test_the_admin_refuses_text_pasted_with_control_characters(client, field):
    editor = EditorFactory()
    client.force_login(editor)
    # Word puts a vertical tab where a line was broken with Shift+Enter.
    response = client.post(
        reverse("admin:blog_post_add"),
        post_form(author=editor.pk, **{field: "Hot stones\x0bin winter"}),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "This text contains an invisible control character (U+000B)" in html
    assert "pasted from a word processor" in html
    assert not Post.objects.exists()


def test_scheduling_needs_a_time_and_publishing_without_one_means_now(client):
    editor = EditorFactory()
    client.force_login(editor)
    url = reverse("admin:blog_post_add")
    response = client.post(url, post_form(author=editor.pk, status="scheduled"))
    assert response.status_code == 200
    assert "Choose when the post should go live." in response.content.decode()
    response = client.post(url, post_form(author=editor.pk, status="published"))
    assert response.status_code == 302
    post = Post.objects.get()
    assert post.is_live
    assert (timezone.now() - post.publish_at).total_seconds() < 60


def test_publish_times_are_entered_and_shown_in_uk_time(client):
    editor = EditorFactory()
    client.force_login(editor)
    client.post(
        reverse("admin:blog_post_add"),
        post_form(author=editor.pk, status="scheduled",
                  publish_at_0="2031-07-01", publish_at_1="09:00"),
    )  # fmt: skip
    post = Post.objects.get()
    assert post.publish_at == datetime(
        2031, 7, 1, 8, 0, tzinfo=zoneinfo.ZoneInfo("UTC")
    )
    changelist = client.get(reverse("admin:blog_post_changelist")).content.decode()
    assert "1 Jul 2031, 09:00 BST" in changelist
    assert "From 1 Jul 2031, 09:00 BST" in changelist
    PostFactory(status="scheduled", publish_at=datetime(2031, 12, 1, 9, 0, tzinfo=UK))
    changelist = client.get(reverse("admin:blog_post_changelist")).content.decode()
    assert "1 Dec 2031, 09:00 GMT" in changelist


def test_view_on_site_opens_the_preview(client):
    post = PostFactory(status=Post.Status.DRAFT, publish_at=None)
    client.force_login(EditorFactory())
    html = client.get(
        reverse("admin:blog_post_change", args=[post.pk])
    ).content.decode()
    assert reverse("blog:preview", kwargs={"pk": post.pk}) in html


def test_the_publish_now_action(client):
    post = PostFactory(status=Post.Status.DRAFT, publish_at=None)
    client.force_login(EditorFactory())
    response = client.post(
        reverse("admin:blog_post_changelist"),
        {"action": "publish_now", "_selected_action": [post.pk]},
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.is_live
