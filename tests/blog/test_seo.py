import json
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from blog.models import Post
from directory.models import Practitioner
from tests.blog.factories import PostFactory, TagFactory
from tests.courses.factories import CourseDateFactory, CourseFactory
from tests.directory.factories import PractitionerFactory, TechniqueFactory
from tests.sitemaps import sitemap_locations, sitemap_text
from tests.users.factories import StaffFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def is_absolute(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


@pytest.fixture
def posts():
    live = PostFactory(title="Back pain & you", slug="back-pain")
    PostFactory(title="Draft", slug="draft", status=Post.Status.DRAFT, publish_at=None)
    PostFactory(
        title="Future",
        slug="future",
        status=Post.Status.SCHEDULED,
        publish_at=timezone.now() + timedelta(days=2),
    )
    return live


def test_the_rss_feed_is_valid_xml_with_absolute_links(client, posts):
    response = client.get(reverse("blog:feed-rss"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")
    assert is_absolute(channel.findtext("link"))
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == ["Back pain & you"]
    link = items[0].findtext("link")
    assert is_absolute(link)
    assert urlsplit(link).path == "/blog/back-pain/"
    assert items[0].findtext("pubDate")


def test_the_atom_feed_is_valid_xml_with_absolute_links(client, posts):
    response = client.get(reverse("blog:feed-atom"))
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == ["Back pain & you"]
    for link in feed.iter(f"{ATOM}link"):
        assert is_absolute(link.get("href")), link.get("href")
    assert entries[0].find(f"{ATOM}author").findtext(f"{ATOM}name")


@pytest.mark.parametrize("feed", ["blog:feed-rss", "blog:feed-atom"])
def test_feeds_survive_control_characters_saved_before_they_were_refused(client, feed):
    # Rows written before the validator existed, or by code that skips it.
    PostFactory(
        title="Back\x0bpain",
        summary="Line one\x0bline two\x07",
        author=StaffFactory(full_name="Elena\x1fMarsh"),
        techniques=[TechniqueFactory(slug="control-test", name="Deep\x0ctissue")],
        tags=[TagFactory(slug="control-tag", name="Desk\x0bwork")],
    )
    response = client.get(reverse(feed))
    assert response.status_code == 200
    text = response.content.decode()
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", text)
    ET.fromstring(response.content)
    for shown in ["Back pain", "Line one line two", "Elena Marsh", "Deep tissue",
                  "Desk work"]:  # fmt: skip
        assert shown in text, shown


@pytest.mark.parametrize("feed", ["blog:feed-rss", "blog:feed-atom"])
def test_feeds_are_titled_with_the_site_name_without_control_characters(
    client, settings, feed
):
    settings.SITE_NAME = "Holistic\x0bTouch"
    response = client.get(reverse(feed))
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    title = root.findtext("channel/title") or root.findtext(f"{ATOM}title")
    assert title == "Holistic Touch: blog"


def test_the_sitemap_covers_posts_profiles_and_pages_with_absolute_urls(client, posts):
    listed = PractitionerFactory(slug="ada-hughes")
    PractitionerFactory(slug="applicant", status=Practitioner.Status.APPLIED)
    urls = sitemap_locations(client)
    assert all(is_absolute(url) for url in urls), urls
    paths = {urlsplit(url).path for url in urls}
    assert {"/", "/about/", "/practitioners/", "/blog/"} <= paths
    assert posts.get_absolute_url() in paths
    assert listed.get_absolute_url() in paths
    assert "/practitioners/applicant/" not in paths
    assert not {"/blog/draft/", "/blog/future/"} & paths


def test_the_sitemap_lists_every_apps_public_pages_and_nothing_hidden(client):

    live = [PostFactory(slug="back-pain"), PostFactory(slug="types-of-massage")]
    PostFactory(slug="a-draft", status=Post.Status.DRAFT, publish_at=None)
    PostFactory(
        slug="scheduled",
        status=Post.Status.SCHEDULED,
        publish_at=timezone.now() + timedelta(days=2),
    )
    PostFactory(slug="early", publish_at=timezone.now() + timedelta(hours=1))
    approved = PractitionerFactory(slug="ada-hughes")
    PractitionerFactory(slug="applied", status=Practitioner.Status.APPLIED)
    PractitionerFactory(slug="suspended", status=Practitioner.Status.SUSPENDED)
    PractitionerFactory(
        slug="uninsured",
        insurance_expires_on=timezone.localdate() - timedelta(days=1),
    )
    course_date = CourseDateFactory()

    paths = {urlsplit(loc).path for loc in sitemap_locations(client)}
    expected = {
        "/",  # site pages
        "/about/",
        "/practitioners/",  # directory
        approved.get_absolute_url(),
        "/courses/",  # courses
        course_date.course.get_absolute_url(),
        course_date.get_absolute_url(),
        "/blog/",  # blog
        *(post.get_absolute_url() for post in live),
    }
    assert expected <= paths, expected - paths
    for hidden in ["a-draft", "scheduled", "early", "applied", "suspended",
                   "uninsured"]:  # fmt: skip
        assert not any(hidden in path for path in paths), hidden


def test_the_sitemap_lists_published_courses_and_their_dates_only(client):

    shown = CourseDateFactory(course=CourseFactory(slug="shown-course"))
    hidden = CourseDateFactory(
        course=CourseFactory(slug="draft-course", is_published=False)
    )
    xml = sitemap_text(client)
    assert f"{shown.get_absolute_url()}</loc>" in xml
    assert "/courses/shown-course/" in xml
    assert "draft-course" not in xml
    assert hidden.get_absolute_url() not in xml


def test_robots_txt_points_to_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "User-agent: *" in text
    assert "Sitemap: http://testserver/sitemap.xml" in text
    assert "Disallow: /blog/preview/" in text


def test_an_article_has_canonical_opengraph_and_twitter_tags(client):
    post = PostFactory(
        title="Back pain",
        seo_title="Massage for back pain",
        meta_description="How massage helps back pain.",
    )
    html = client.get(post.get_absolute_url()).content.decode()
    url = f"http://testserver{post.get_absolute_url()}"
    assert f'<link rel="canonical" href="{url}">' in html
    assert "<title>Massage for back pain |" in html
    assert '<meta name="description" content="How massage helps back pain.">' in html
    for tag in [
        '<meta property="og:type" content="article">',
        '<meta property="og:title" content="Massage for back pain">',
        '<meta property="og:description" content="How massage helps back pain.">',
        f'<meta property="og:url" content="{url}">',
        '<meta name="twitter:card" content="summary">',
        '<meta name="twitter:title" content="Massage for back pain">',
    ]:
        assert tag in html, tag
    assert re.search(r'<meta property="article:published_time" content="[^"]+">', html)
    assert 'type="application/rss+xml"' in html


def test_an_article_carries_blogposting_json_ld_as_data_without_a_nonce(client):
    post = PostFactory(
        title="Tension </script><script>alert(1)</script> & stress",
        techniques=[TechniqueFactory(slug="deep-tissue")],
    )
    response = client.get(post.get_absolute_url())
    html = response.content.decode()
    match = re.search(
        r'<script type="application/ld\+json">(.*?)</script>',
        html,
        re.S,
    )
    assert match
    body = match.group(1)
    assert "'nonce-" not in response.headers["Content-Security-Policy"]
    assert "<" not in body and ">" not in body and "&" not in body
    assert "\\u003C/script\\u003E" in body
    data = json.loads(body)
    assert data["@type"] == "BlogPosting"
    assert data["headline"] == post.title
    assert data["author"]["name"] == post.author.get_full_name()
    assert data["url"] == f"http://testserver{post.get_absolute_url()}"
    assert data["about"] == [{"@type": "Thing", "name": "Deep tissue"}]
    assert data["datePublished"].startswith(str(timezone.localdate(post.publish_at)))


def test_nothing_says_a_post_changed_before_it_was_published(client):
    # Saved as published days before its publish time (or published by the job
    # before the job moved updated_at): the last change is the publishing.
    post = PostFactory(publish_at=timezone.now() - timedelta(minutes=5))
    Post.objects.filter(pk=post.pk).update(
        updated_at=post.publish_at - timedelta(days=3)
    )
    published = post.publish_at

    html = client.get(post.get_absolute_url()).content.decode()
    modified = re.search(r'"article:modified_time" content="([^"]+)"', html).group(1)
    assert datetime.fromisoformat(modified) >= published
    data = json.loads(
        re.search(
            r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S
        ).group(1)
    )
    assert datetime.fromisoformat(data["dateModified"]) >= published

    feed = ET.fromstring(client.get(reverse("blog:feed-atom")).content)
    entry = feed.find(f"{ATOM}entry")
    assert datetime.fromisoformat(entry.findtext(f"{ATOM}updated")) >= published
    assert datetime.fromisoformat(feed.findtext(f"{ATOM}updated")) >= published

    posts = reverse("sitemap-section", kwargs={"section": "posts"})
    sitemap = ET.fromstring(client.get(posts).content)
    lastmod = next(
        url.findtext(f"{SITEMAP}lastmod")
        for url in sitemap.iter(f"{SITEMAP}url")
        if url.findtext(f"{SITEMAP}loc").endswith(post.get_absolute_url())
    )
    assert date.fromisoformat(lastmod) >= timezone.localdate(published)


def test_list_pages_have_canonical_urls(client):
    PostFactory.create_batch(10)
    html = client.get("/blog/").content.decode()
    assert '<link rel="canonical" href="http://testserver/blog/">' in html
    html = client.get("/blog/", {"page": 2}).content.decode()
    assert '<link rel="canonical" href="http://testserver/blog/?page=2">' in html
