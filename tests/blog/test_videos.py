"""The video library: list, filter, the video page, related videos, JSON-LD, and
nothing loaded from YouTube until the visitor asks."""

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from blog.models import Video
from tests.blog.factories import PostFactory, VideoFactory
from tests.courses.factories import CourseDateFactory, CourseFactory
from tests.directory.factories import TechniqueFactory

pytestmark = pytest.mark.django_db


def titles(html: str) -> list[str]:
    return re.findall(r'class="h6 card-title mb-1"><a href="[^"]+">([^<]+)</a>', html)


def json_ld(html: str) -> dict:
    found = re.search(
        r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S
    )
    return json.loads(found.group(1))


def test_the_library_lists_published_videos_newest_first(client):
    today = timezone.localdate()
    VideoFactory(title="Older", uploaded_on=today - timedelta(days=9))
    VideoFactory(title="Newer", uploaded_on=today - timedelta(days=1))
    VideoFactory(title="Hidden", is_published=False)
    html = client.get(reverse("videos:list")).content.decode()
    assert titles(html) == ["Newer", "Older"]
    assert "video-embed.js" in html


def test_the_library_filters_by_technique(client):
    deep = TechniqueFactory(slug="deep-tissue", name="Deep tissue")
    hot = TechniqueFactory(slug="hot-stone", name="Hot stone")
    VideoFactory(title="Deep one", techniques=[deep])
    VideoFactory(title="Hot one", techniques=[hot])
    VideoFactory(title="Hidden deep", techniques=[deep], is_published=False)

    html = client.get(
        reverse("videos:list"), {"technique": "deep-tissue"}
    ).content.decode()

    assert titles(html) == ["Deep one"]
    assert '<h1 class="h2">Videos about deep tissue</h1>' in html
    assert 'aria-current="page" class="fw-semibold">Deep tissue</a>' in html
    assert "(1)" in html  # one published video about each
    assert f'href="{deep.get_absolute_url()}"' in html


@pytest.mark.parametrize("query", [{"technique": "nope"}, {"technique": "<script>"}])
def test_an_unknown_technique_shows_every_video_and_says_so(client, query):
    VideoFactory(title="Any")
    response = client.get(reverse("videos:list"), query)
    assert response.status_code == 200
    html = response.content.decode()
    assert "We have no videos about that technique yet" in html
    assert titles(html) == ["Any"]
    assert "<script>" not in html.split("</h1>")[1].split("<footer")[0].replace(
        '<script src="', ""
    ).replace('<script type="application/ld+json"', "")


def test_the_library_pages_and_survives_a_bad_page_number(client):
    for n in range(14):
        VideoFactory(title=f"Video {n}")
    first = client.get(reverse("videos:list")).content.decode()
    assert len(titles(first)) == 12 and 'rel="next"' in first
    second = client.get(reverse("videos:list"), {"page": "2"}).content.decode()
    assert len(titles(second)) == 2
    bad = client.get(reverse("videos:list"), {"page": "x<y"})
    assert bad.status_code == 200
    assert "There is no page “x&lt;y”" in bad.content.decode()


def test_the_library_takes_a_fixed_number_of_queries(client):
    deep = TechniqueFactory(slug="deep-tissue")
    VideoFactory(techniques=[deep])
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("videos:list"))
    for _ in range(8):
        VideoFactory(techniques=[deep, TechniqueFactory()])
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("videos:list"))
    assert len(many) == len(few) <= 5


def test_the_library_is_empty_politely(client):
    html = client.get(reverse("videos:list")).content.decode()
    assert "No videos yet" in html
    assert "video-embed.js" not in html


def test_a_video_page_plays_only_when_asked_and_describes_the_video(client):
    deep = TechniqueFactory(slug="deep-tissue", name="Deep tissue")
    video = VideoFactory(
        title="Deep tissue demonstration",
        url="https://youtu.be/abcDEF12345?t=30",
        description="Our tutor **demonstrates**.",
        duration_seconds=545,
        uploaded_on=timezone.localdate() - timedelta(days=3),
        techniques=[deep],
    )
    html = client.get(video.get_absolute_url()).content.decode()

    assert "<iframe" not in html
    assert (
        'data-embed-src="https://www.youtube-nocookie.com/embed/abcDEF12345?'
        'autoplay=1&amp;rel=0&amp;start=30"'
    ) in html
    assert "Play video: Deep tissue demonstration" in html
    assert "<strong>demonstrates</strong>" in html
    assert "9:05" in html
    assert f'href="{deep.get_absolute_url()}"' in html
    data = json_ld(html)
    assert data["@type"] == "VideoObject"
    assert data["name"] == "Deep tissue demonstration"
    assert data["description"] == "Our tutor demonstrates."
    assert data["duration"] == "PT545S"
    assert data["uploadDate"] == video.uploaded_on.isoformat()
    assert data["embedUrl"] == (
        "https://www.youtube-nocookie.com/embed/abcDEF12345?rel=0&start=30"
    )
    assert data["thumbnailUrl"] == "https://i.ytimg.com/vi/abcDEF12345/hqdefault.jpg"
    assert data["about"] == [{"@type": "Thing", "name": "Deep tissue"}]


def test_a_hidden_or_unknown_video_is_a_404(client):
    hidden = VideoFactory(is_published=False)
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get("/videos/no-such-video/").status_code == 404


def test_video_pages_load_nothing_from_another_host(client):
    deep = TechniqueFactory(slug="deep-tissue")
    video = VideoFactory(techniques=[deep], post=True)
    VideoFactory(techniques=[deep])
    for url in [reverse("videos:list"), video.get_absolute_url(),
                video.shown_in.get_absolute_url()]:  # fmt: skip
        html = client.get(url).content.decode()
        html = re.sub(r'<link rel="(canonical|alternate)"[^>]*>', "", html)
        loaded = re.findall(
            r'<(?:script|img|iframe|link|source)[^>]+(?:src|href)="([^"]+)"', html
        )
        for asset in loaded:
            assert not re.match(r"^(https?:)?//", asset), f"{url} loads {asset}"


def test_an_article_shows_its_own_videos_and_related_ones(client):
    deep = TechniqueFactory(slug="deep-tissue")
    hot = TechniqueFactory(slug="hot-stone")
    post = PostFactory(techniques=[deep])
    own = VideoFactory(title="Own video", post=post, techniques=[deep])
    VideoFactory(title="Related video", techniques=[deep])
    VideoFactory(title="Unrelated video", techniques=[hot])
    VideoFactory(title="Hidden related", techniques=[deep], is_published=False)

    html = client.get(post.get_absolute_url()).content.decode()

    assert "Play video: Own video" in html
    assert f'href="{own.get_absolute_url()}"' in html  # the caption links to its page
    related = html[html.index('id="related-videos-heading"') :]
    assert titles(related) == ["Related video"]


def test_the_list_json_ld_lists_the_page_s_videos(client):
    VideoFactory(title="One")
    data = json_ld(client.get(reverse("videos:list")).content.decode())
    assert data["@type"] == "ItemList"
    assert data["itemListElement"][0]["item"]["@type"] == "VideoObject"
    assert data["itemListElement"][0]["item"]["name"] == "One"


def test_course_pages_show_videos_about_what_they_teach(client):
    deep = TechniqueFactory(slug="deep-tissue")
    hot = TechniqueFactory(slug="hot-stone")
    course = CourseFactory(techniques=[deep])
    course_date = CourseDateFactory(course=course)
    VideoFactory(title="Deep video", techniques=[deep])
    VideoFactory(title="Hot video", techniques=[hot])
    for url in [course.get_absolute_url(), course_date.get_absolute_url()]:
        html = client.get(url).content.decode()
        assert titles(html) == ["Deep video"], url
        assert "video-embed.js" in html


def test_a_course_without_related_videos_shows_no_video_section(client):
    course = CourseFactory(techniques=[TechniqueFactory(slug="reflexology")])
    assert (
        "course-videos-heading"
        not in client.get(course.get_absolute_url()).content.decode()
    )


def test_staff_add_a_video_to_the_library(client):
    from tests.blog.factories import EditorFactory

    deep = TechniqueFactory(slug="deep-tissue")
    client.force_login(EditorFactory())
    response = client.post(
        reverse("admin:blog_video_add"),
        {"title": "Stretching", "slug": "stretching",
         "url": "https://www.youtube.com/watch?v=abcDEF12345",
         "description": "", "techniques": [deep.pk], "uploaded_on": "2026-01-05",
         "duration_seconds": "120", "is_published": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    video = Video.objects.get(slug="stretching")
    assert list(video.techniques.all()) == [deep]
    assert client.get(reverse("videos:list")).content.decode().count("Stretching") >= 1


def test_videos_are_in_the_nav(client):
    html = client.get("/").content.decode()
    assert f'href="{reverse("videos:list")}">Videos</a>' in html


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_each_article_video_into_a_library_video():
    executor = MigrationExecutor(connection)
    executor.migrate([("blog", "0003_refuse_control_characters")])
    old = executor.loader.project_state(
        [("blog", "0003_refuse_control_characters")]
    ).apps
    User = old.get_model("users", "User")
    Post = old.get_model("blog", "Post")
    OldVideo = old.get_model("blog", "Video")
    author = User.objects.create(email="author@example.com", is_staff=True)
    post = Post.objects.create(title="Back pain", slug="back-pain", author=author,
                               summary="S", body="B", status="draft")  # fmt: skip
    for position, title in [(1, "Second"), (0, "First"), (2, "First")]:
        OldVideo.objects.create(
            post=post,
            url="https://youtu.be/abcDEF12345",
            title=title,
            position=position,
        )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    new = executor.loader.project_state(executor.loader.graph.leaf_nodes()).apps
    Video = new.get_model("blog", "Video")
    PostVideo = new.get_model("blog", "PostVideo")
    assert sorted(Video.objects.values_list("slug", flat=True)) == [
        "first",
        "first-2",
        "second",
    ]
    shown = PostVideo.objects.filter(post_id=post.pk).order_by("position")
    assert [link.video.title for link in shown] == ["First", "Second", "First"]
