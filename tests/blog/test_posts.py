import io
import re
import zoneinfo
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from blog import services, tasks, youtube
from blog.models import (
    Disclaimer,
    Post,
    PostVideo,
    Tag,
    validate_images_are_local,
    validate_no_control_characters,
)
from core.markdown import renderer_version
from tests.blog.factories import (
    DisclaimerFactory,
    PostFactory,
    TagFactory,
    VideoFactory,
)
from tests.config.test_site import loaded_urls
from tests.courses.factories import CourseDateFactory, CourseFactory
from tests.directory.factories import TechniqueFactory
from tests.users.factories import StaffFactory, UserFactory
from users.models import User

pytestmark = pytest.mark.django_db

UK = zoneinfo.ZoneInfo("Europe/London")

LIST_PAGES = ["blog:list", "blog:feed-rss", "blog:feed-atom"]


def future(**kwargs):
    return timezone.now() + timedelta(**(kwargs or {"days": 1}))


def past(**kwargs):
    return timezone.now() - timedelta(**(kwargs or {"days": 1}))


@pytest.fixture
def hidden_posts():
    """A draft, a scheduled post and a 'published' post whose time has not come."""
    technique = TechniqueFactory(slug="deep-tissue")
    tag = TagFactory(slug="back-pain")
    common = {"techniques": [technique], "tags": [tag]}
    return [
        PostFactory(title="Secret draft", slug="secret-draft",
                    status=Post.Status.DRAFT, publish_at=None, **common),
        PostFactory(title="Secret scheduled", slug="secret-scheduled",
                    status=Post.Status.SCHEDULED, publish_at=future(), **common),
        PostFactory(title="Secret early", slug="secret-early",
                    status=Post.Status.PUBLISHED, publish_at=future(), **common),
    ]  # fmt: skip


# --- who sees what -----------------------------------------------------------------


def test_a_live_post_is_public(client):
    post = PostFactory(title="Back pain and you")
    response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    assert "Back pain and you" in response.content.decode()


def test_drafts_and_future_posts_are_404_to_the_public(client, hidden_posts):
    for post in hidden_posts:
        assert client.get(post.get_absolute_url()).status_code == 404


def test_drafts_and_future_posts_are_404_even_for_staff_at_the_public_address(
    client, hidden_posts
):
    client.force_login(StaffFactory())
    for post in hidden_posts:
        assert client.get(post.get_absolute_url()).status_code == 404


def test_drafts_and_future_posts_are_listed_nowhere(client, hidden_posts):
    PostFactory(
        title="Visible article",
        slug="visible-article",
        techniques=[TechniqueFactory(slug="deep-tissue")],
        tags=[TagFactory(slug="back-pain")],
    )
    urls = [reverse(name) for name in LIST_PAGES] + [
        reverse("blog:technique", kwargs={"slug": "deep-tissue"}),
        reverse("blog:tag", kwargs={"slug": "back-pain"}),
        reverse("sitemap-section", kwargs={"section": "posts"}),
    ]
    for url in urls:
        html = client.get(url).content.decode()
        assert "/blog/visible-article/" in html, url
        for post in hidden_posts:
            assert post.title not in html, url
            assert post.slug not in html, url


def test_a_tag_used_only_by_hidden_posts_is_404(client, hidden_posts):
    assert (
        client.get(reverse("blog:tag", kwargs={"slug": "back-pain"})).status_code == 404
    )


def test_a_technique_without_articles_shows_an_empty_state(client):
    TechniqueFactory(slug="reflexology")
    response = client.get(reverse("blog:technique", kwargs={"slug": "reflexology"}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "We have not written about reflexology yet" in html
    assert "/practitioners/?technique=reflexology" in html


def test_the_list_has_an_empty_state(client):
    response = client.get(reverse("blog:list"))
    assert "No articles yet" in response.content.decode()


def test_unknown_technique_tag_and_post_are_404(client):
    assert client.get("/blog/technique/no-such/").status_code == 404
    assert client.get("/blog/tag/no-such/").status_code == 404
    assert client.get("/blog/no-such-post/").status_code == 404


# --- scheduled publishing ----------------------------------------------------------


def test_a_scheduled_post_appears_after_its_time_once_the_job_runs(client):
    post = PostFactory(status=Post.Status.SCHEDULED, publish_at=past(minutes=1))
    # Its time has passed, but nothing is shown until the job publishes it.
    assert client.get(post.get_absolute_url()).status_code == 404
    assert tasks.publish_due_posts() == 1
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED
    assert client.get(post.get_absolute_url()).status_code == 200
    assert post.title in client.get(reverse("blog:list")).content.decode()


def test_the_job_marks_a_post_modified_when_it_goes_live():
    post = PostFactory(status=Post.Status.SCHEDULED, publish_at=past(minutes=1))
    # Written days ago, scheduled for now.
    Post.objects.filter(pk=post.pk).update(updated_at=past(days=4))
    services.publish_due_posts()
    post.refresh_from_db()
    assert post.updated_at >= post.publish_at
    assert timezone.now() - post.updated_at < timedelta(minutes=1)


def test_the_job_leaves_future_posts_and_drafts_alone():
    later = PostFactory(status=Post.Status.SCHEDULED, publish_at=future(hours=1))
    draft = PostFactory(status=Post.Status.DRAFT, publish_at=None)
    assert services.publish_due_posts() == 0
    later.refresh_from_db()
    draft.refresh_from_db()
    assert later.status == Post.Status.SCHEDULED
    assert draft.status == Post.Status.DRAFT
    assert services.publish_due_posts(now=future(hours=2)) == 1


def test_running_the_job_twice_publishes_once():
    PostFactory(status=Post.Status.SCHEDULED, publish_at=past(minutes=5))
    assert tasks.publish_due_posts() == 1
    assert tasks.publish_due_posts() == 0
    assert Post.objects.live().count() == 1


def test_a_published_post_waits_for_its_time_without_the_job(client):
    post = PostFactory(status=Post.Status.PUBLISHED, publish_at=future(minutes=10))
    assert client.get(post.get_absolute_url()).status_code == 404
    assert Post.objects.live(now=future(minutes=11)).filter(pk=post.pk).exists()


def test_publish_post_publishes_now_or_schedules():
    post = PostFactory(status=Post.Status.DRAFT, publish_at=None)
    services.publish_post(post=post)
    assert post.is_live
    later = future(days=3)
    services.publish_post(post=post, at=later)
    post.refresh_from_db()
    assert post.status == Post.Status.SCHEDULED
    assert post.publish_at == later


def test_the_job_runs_every_minute_from_beat():
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["blog-publish-due-posts"]
    assert entry["task"] == "blog.tasks.publish_due_posts"
    assert entry["schedule"].minute == set(range(60))
    app.loader.import_default_modules()
    assert "blog.tasks.publish_due_posts" in app.tasks


def test_a_scheduled_post_needs_a_publish_time():
    with pytest.raises(IntegrityError):
        PostFactory(status=Post.Status.SCHEDULED, publish_at=None)


# --- the article -------------------------------------------------------------------


def test_an_article_shows_author_date_reading_time_and_topics(client):
    deep = TechniqueFactory(slug="deep-tissue")
    post = PostFactory(
        title="Back pain",
        author=StaffFactory(full_name="Elena Marsh"),
        body="word " * 650,
        publish_at=datetime(2025, 7, 1, 23, 30, tzinfo=UK),
        techniques=[deep],
        tags=[TagFactory(slug="desk-work", name="Desk work")],
    )
    html = client.get(post.get_absolute_url()).content.decode()
    assert "By Elena Marsh" in html
    # 23:30 UK time on 1 July; the page shows the UK date.
    assert '<time datetime="2025-07-01T23:30:00+01:00">1 July 2025</time>' in html
    assert "4 min read" in html
    assert 'href="/blog/technique/deep-tissue/">Deep tissue</a>' in html
    assert 'href="/blog/tag/desk-work/">#Desk work</a>' in html


def test_without_a_place_the_practitioner_box_offers_the_search(client):
    deep = TechniqueFactory(slug="deep-tissue")
    trigger = TechniqueFactory(slug="trigger-point-therapy")
    post = PostFactory(techniques=[deep, trigger])
    html = client.get(post.get_absolute_url()).content.decode()
    assert (
        "Find a practitioner for Deep tissue or Trigger point therapy near you" in html
    )
    # The box's form asks this article again with the place, without JavaScript.
    form = re.search(r'<form method="get" action="#near-you".*?</form>', html, re.S)
    assert form
    assert 'name="where"' in form.group()
    assert "Your postcode or town" in form.group()
    assert (
        'href="/practitioners/?technique=deep-tissue&amp;'
        'technique=trigger-point-therapy">search the directory</a>' in html
    )


def test_an_article_shows_the_next_course_dates_teaching_its_techniques(client):

    deep = TechniqueFactory(slug="deep-tissue")
    stone = TechniqueFactory(slug="hot-stone")
    post = PostFactory(techniques=[deep])
    CourseDateFactory(
        course=CourseFactory(title="Deep Tissue Certificate", techniques=[deep]),
        venue_town="Bath",
    )
    CourseDateFactory(course=CourseFactory(title="Hot Stone Day", techniques=[stone]))
    html = client.get(post.get_absolute_url()).content.decode()
    aside = html[html.index('<aside class="col-lg-4 act-now"') :]
    assert "Train with us" in aside
    assert "Deep Tissue Certificate" in aside and "Bath" in aside
    assert "Hot Stone Day" not in aside


def test_related_posts_share_techniques_or_tags(client):
    deep = TechniqueFactory(slug="deep-tissue")
    stone = TechniqueFactory(slug="hot-stone")
    post = PostFactory(techniques=[deep])
    related = PostFactory(title="Also deep tissue", techniques=[deep])
    PostFactory(title="About stones", techniques=[stone])
    PostFactory(title="Deep but draft", techniques=[deep], status=Post.Status.DRAFT)
    html = client.get(post.get_absolute_url()).content.decode()
    assert "Related articles" in html
    assert related.title in html
    assert "About stones" not in html
    assert "Deep but draft" not in html


def test_the_default_disclaimer_is_attached_and_can_be_removed(client):
    Disclaimer.objects.update(is_default=False)
    default = DisclaimerFactory(title="Our health note", is_default=True)
    with_note = PostFactory()
    assert with_note.disclaimer == default
    without = PostFactory(disclaimer=None)
    html = client.get(with_note.get_absolute_url()).content.decode()
    assert "Our health note" in html
    assert "not a substitute for medical advice" in html
    assert (
        "Our health note" not in client.get(without.get_absolute_url()).content.decode()
    )


def test_the_migration_provides_the_health_disclaimer_for_new_posts():
    assert PostFactory().disclaimer.title == "Health disclaimer"


def png(size=(120, 63)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (47, 107, 94)).save(buffer, format="PNG")
    return SimpleUploadedFile("hero.png", buffer.getvalue(), "image/png")


def test_the_hero_image_needs_a_description():
    post = PostFactory.build(hero_image=png(), hero_alt="")
    with pytest.raises(ValidationError):
        post.clean()
    with pytest.raises(IntegrityError):
        PostFactory(hero_image=png(), hero_alt="")


def test_the_hero_image_is_shown_with_its_description_and_size(client):
    post = PostFactory(hero_image=png(), hero_alt="A massage couch")
    html = client.get(post.get_absolute_url()).content.decode()
    assert f'src="{post.hero_image.url}" alt="A massage couch"' in html
    assert 'width="120" height="63"' in html
    assert (
        f'<meta property="og:image" content="http://testserver{post.hero_image.url}">'
        in html
    )
    assert '<meta name="twitter:card" content="summary_large_image">' in html


# --- Markdown ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, forbidden",
    [
        ("<script>alert(1)</script>", "<script>alert"),
        ('<img src="/x.png" onerror="alert(1)">', "onerror"),
        ('<p onclick="alert(1)">hi</p>', "onclick"),
        # CommonMark leaves a link it refuses as its text: harmless words.
        ("[click me](javascript:alert(1))", 'href="javascript:'),
        ('<a href="javascript:alert(1)">x</a>', "javascript:"),
        ('<iframe src="https://evil.example/"></iframe>', "<iframe"),
        ('<iframe src="https://www.youtube-nocookie.com/embed/x"></iframe>', "<iframe"),
        ("<style>body{display:none}</style>", "<style"),
    ],
)
def test_dangerous_markdown_is_neutralised(client, body, forbidden):
    post = PostFactory(body=f"Intro.\n\n{body}\n\nOutro.")
    html = client.get(post.get_absolute_url()).content.decode()
    article = html[html.index('<div class="post-body">') :]
    article = article[: article.index("</article>")]
    assert forbidden not in article
    assert "Outro." in article


def test_markdown_keeps_headings_lists_links_images_and_quotes(client):
    post = PostFactory(
        body="## Why it helps\n\n- one\n- two\n\n> A quote\n\n"
        "[Find a practitioner](/practitioners/)\n\n![A couch](/media/blog/couch.png)"
    )
    html = client.get(post.get_absolute_url()).content.decode()
    assert "<h2>Why it helps</h2>" in html
    assert "<li>one</li>" in html
    assert "<blockquote>" in html
    assert 'href="/practitioners/"' in html
    assert '<img src="/media/blog/couch.png" alt="A couch">' in html


def test_images_from_other_hosts_are_refused_when_editing():
    validate_images_are_local("![ok](/media/blog/a.png)")
    with pytest.raises(ValidationError, match="Images must be on this site"):
        validate_images_are_local("![no](https://example.com/a.png)")


# --- text that feeds can carry ----------------------------------------------------


@pytest.mark.parametrize("text", ["Back\x0bpain", "Tension\x07", "\x1fNeck", "a\x0cb"])
def test_control_characters_are_refused(text):
    with pytest.raises(ValidationError, match="invisible control character"):
        validate_no_control_characters(text)


def test_tabs_newlines_and_ordinary_characters_are_accepted():
    validate_no_control_characters("Line one\r\nline\ttwo – café ✓ “quoted”")


@pytest.mark.parametrize("field", ["title", "summary", "seo_title", "meta_description"])
def test_a_post_refuses_control_characters_in_the_text_feeds_and_search_show(field):
    post = PostFactory.build(**{field: "Back\x0bpain"})
    with pytest.raises(ValidationError) as error:
        post.full_clean(exclude=["author", "slug"])
    assert set(error.value.message_dict) == {field}
    assert "U+000B" in error.value.message_dict[field][0]


def test_a_tag_name_refuses_control_characters():
    with pytest.raises(ValidationError) as error:
        Tag(name="Back\x0bpain", slug="back-pain").full_clean()
    assert set(error.value.message_dict) == {"name"}


# --- YouTube -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, video, start",
    [
        ("https://www.youtube.com/watch?v=abcDEF12345", "abcDEF12345", 0),
        ("https://youtube.com/watch?v=abcDEF12345&t=90", "abcDEF12345", 90),
        ("https://m.youtube.com/watch?v=abcDEF12345&t=1m30s", "abcDEF12345", 90),
        ("https://youtu.be/abcDEF12345?t=42", "abcDEF12345", 42),
        ("https://www.youtube.com/embed/abcDEF12345?start=5", "abcDEF12345", 5),
        ("https://www.youtube.com/shorts/abcDEF12345", "abcDEF12345", 0),
        ("https://www.youtube-nocookie.com/embed/abcDEF12345", "abcDEF12345", 0),
    ],
)
def test_youtube_addresses_are_recognised(url, video, start):
    assert youtube.video_id(url) == video
    assert youtube.start_seconds(url) == start


@pytest.mark.parametrize(
    "url",
    [
        "https://vimeo.com/12345678",
        "https://www.youtube.com.evil.example/watch?v=abcDEF12345",
        "https://evil.example/youtube.com/watch?v=abcDEF12345",
        "javascript:alert(1)//youtube.com/watch?v=abcDEF12345",
        "https://www.youtube.com/watch?v=short",
        'https://www.youtube.com/watch?v=abcDEF1234"',
        "https://www.youtube.com/channel/abcDEF12345",
    ],
)
def test_other_addresses_are_not_videos(url):
    assert youtube.video_id(url) is None
    video = VideoFactory.build(url=url)
    with pytest.raises(ValidationError):
        video.full_clean()


def test_a_video_is_a_click_to_load_youtube_nocookie_player(client):
    video = VideoFactory(
        url="https://youtu.be/abcDEF12345?t=30", title="Stretches", post=True
    )
    response = client.get(video.shown_in.get_absolute_url())
    html = response.content.decode()
    assert "<iframe" not in html  # nothing loads from YouTube until asked
    assert (
        '<a class="video-placeholder" href="https://www.youtube.com/watch?v=abcDEF12345&amp;t=30s"'
        ' data-embed-src="https://www.youtube-nocookie.com/embed/abcDEF12345?autoplay=1&amp;rel=0&amp;start=30"'
        ' data-embed-title="Stretches">'
    ) in html  # noqa: E501
    assert "Play video: Stretches" in html
    assert '<script src="/static/js/video-embed.js" defer>' in html


def test_the_embed_script_only_builds_youtube_nocookie_players():
    script = Path(settings.BASE_DIR, "static/js/video-embed.js").read_text()
    assert 'PLAYER_ORIGIN = "https://www.youtube-nocookie.com"' in script
    assert "youtube.com/" not in script.replace("youtube-nocookie.com", "")


def test_posts_without_videos_load_no_embed_script(client):
    post = PostFactory()
    assert "video-embed.js" not in client.get(post.get_absolute_url()).content.decode()


def test_the_csp_allows_frames_from_youtube_nocookie_only(client):
    post = VideoFactory(post=True).shown_in
    policy = client.get(post.get_absolute_url()).headers["Content-Security-Policy"]
    directives = dict(
        part.strip().split(" ", 1) for part in policy.split(";") if part.strip()
    )
    assert directives["frame-src"] == "https://www.youtube-nocookie.com"
    assert directives["frame-ancestors"] == "'none'"
    for name, value in directives.items():
        if name != "frame-src":
            assert "youtube" not in value, name


# --- list pages --------------------------------------------------------------------


def test_the_list_is_newest_first_and_paginated(client):
    for days in range(1, 12):
        PostFactory(title=f"Posted {days} days ago", publish_at=past(days=days))
    html = client.get(reverse("blog:list")).content.decode()
    titles = re.findall(r"Posted (\d+) days ago", html)
    assert titles == [str(n) for n in range(1, 10)]
    second = client.get(reverse("blog:list"), {"page": 2}).content.decode()
    assert re.findall(r"Posted (\d+) days ago", second) == ["10", "11"]


@pytest.mark.parametrize("number", ["abc", "999", "-1", "0", "1.5", "", "9" * 30])
def test_malformed_pages_never_fail(client, number):
    PostFactory.create_batch(2, techniques=[TechniqueFactory(slug="deep-tissue")],
                             tags=[TagFactory(slug="guides")])  # fmt: skip
    for url in ["/blog/", "/blog/technique/deep-tissue/", "/blog/tag/guides/"]:
        response = client.get(url, {"page": number})
        assert response.status_code == 200, url


def test_an_out_of_range_page_says_which_page_is_shown(client):
    PostFactory()
    html = client.get(reverse("blog:list"), {"page": "999"}).content.decode()
    assert "There is no page “999”; showing page 1." in html


@pytest.mark.parametrize("count", [1, 30])
@pytest.mark.parametrize(
    "url", ["/blog/", "/blog/technique/deep-tissue/", "/blog/tag/guides/"]
)
def test_list_pages_run_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, count, url
):
    deep = TechniqueFactory(slug="deep-tissue")
    stone = TechniqueFactory(slug="hot-stone")
    guides = TagFactory(slug="guides")
    author = StaffFactory()
    for _ in range(count):
        PostFactory(author=author, techniques=[deep, stone], tags=[guides])
    with django_assert_max_num_queries(5):
        response = client.get(url)
    assert response.status_code == 200


def test_technique_and_tag_pages_show_only_their_posts(client):
    deep = TechniqueFactory(slug="deep-tissue")
    guides = TagFactory(slug="guides", name="Guides")
    PostFactory(title="About deep tissue", techniques=[deep])
    PostFactory(title="A guide", tags=[guides])
    technique_html = client.get("/blog/technique/deep-tissue/").content.decode()
    assert "Articles about Deep tissue" in technique_html
    assert "About deep tissue" in technique_html
    assert "A guide" not in technique_html
    tag_html = client.get("/blog/tag/guides/").content.decode()
    assert "A guide" in tag_html
    assert "About deep tissue" not in tag_html


# --- preview -----------------------------------------------------------------------


def test_staff_preview_a_draft_which_is_kept_out_of_search_engines(client):
    draft = PostFactory(title="Work in progress", status=Post.Status.DRAFT,
                        publish_at=None)  # fmt: skip
    client.force_login(StaffFactory())
    response = client.get(reverse("blog:preview", kwargs={"pk": draft.pk}))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Work in progress" in html
    assert "This draft is not public" in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert 'rel="canonical"' not in html


def test_a_scheduled_preview_shows_when_it_goes_live_in_uk_time(client):
    when = datetime(2031, 7, 1, 9, 0, tzinfo=UK)
    post = PostFactory(status=Post.Status.SCHEDULED, publish_at=when)
    client.force_login(StaffFactory())
    html = client.get(reverse("blog:preview", kwargs={"pk": post.pk})).content.decode()
    assert "goes live 1 July 2031, 09:00 BST (UK time)" in html


def test_others_cannot_preview(client):
    draft = PostFactory(status=Post.Status.DRAFT, publish_at=None)
    url = reverse("blog:preview", kwargs={"pk": draft.pk})
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(UserFactory(is_staff=True))  # staff, but not an editor
    assert client.get(url).status_code == 404


def test_directory_never_imports_blog():
    for path in Path(settings.BASE_DIR, "directory").rglob("*.py"):
        text = path.read_text()
        assert not re.search(r"^\s*(from|import) blog\b", text, re.M), path


# --- demo data -------------------------------------------------------------------


def blog_snapshot():
    posts = Post.objects.values_list(
        "slug", "status", "publish_at", "updated_at", "hero_image", "author__email",
        "body_html", "body_html_version",
    )  # fmt: skip
    links = Post.techniques.through.objects.values_list("post__slug", "technique__slug")
    videos = PostVideo.objects.values_list("post__slug", "video__slug", "video__url")
    return sorted(posts), sorted(links), sorted(videos)


def test_the_demo_has_live_scheduled_and_draft_posts_and_runs_twice_unchanged(client):
    call_command("seed_demo")
    first = blog_snapshot()
    call_command("seed_demo")
    assert blog_snapshot() == first

    assert Post.objects.live().count() == 5
    scheduled = Post.objects.get(status=Post.Status.SCHEDULED)
    assert scheduled.publish_at > timezone.now()
    assert Post.objects.filter(status=Post.Status.DRAFT).count() == 1
    back_pain = Post.objects.get(slug="how-massage-therapy-helps-back-pain")
    assert {t.slug for t in back_pain.techniques.all()} == {
        "deep-tissue", "trigger-point-therapy", "myofascial-release"
    }  # fmt: skip
    assert back_pain.hero_image and back_pain.hero_alt
    assert back_pain.body_html_version == renderer_version()
    assert "<h2>What massage can do for a sore back</h2>" in back_pain.body_html
    html = client.get(back_pain.get_absolute_url()).content.decode()
    # Seeded articles show videos, each a play button that loads nothing yet.
    assert html.count("Play video: ") == 2
    assert "<iframe" not in html
    desk = Post.objects.get(slug="desk-neck-and-shoulder-tension")
    assert [link.video.slug for link in desk.video_links.all()] == [
        "indian-head-massage-for-desk-workers"
    ]

    editor = User.objects.get(email="editor@demo.example")
    assert editor.is_staff and not editor.is_superuser
    assert editor.check_password("demo-editor-pass")
    assert list(editor.groups.values_list("name", flat=True)) == ["Editors"]


def test_blog_pages_load_nothing_from_another_host(client):

    video = VideoFactory(post__techniques=[TechniqueFactory(slug="deep-tissue")])
    for url in [
        reverse("blog:list"),
        video.shown_in.get_absolute_url(),
        reverse("blog:technique", kwargs={"slug": "deep-tissue"}),
    ]:
        html = client.get(url).content.decode()
        # Canonical and feed links are addresses, not things the page loads.
        html = re.sub(r'<link rel="(canonical|alternate)"[^>]*>', "", html)
        for asset in loaded_urls(html):
            assert not re.match(r"^(https?:)?//", asset), f"{url} loads {asset}"
