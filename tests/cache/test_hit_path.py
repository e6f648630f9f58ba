"""What a hit of the page cache costs, and that the cheaper path keeps every
guarantee (docs/architecture.md, "Page cache"): a hit reads one key (the epoch)
while nothing was written, a kept page is answered before the URL is resolved,
and a page that carries nothing of its visitor is compressed once, not for
every request."""

import gzip
import re

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage, MessageEncoder
from django.core.handlers.base import BaseHandler
from django.http import HttpResponse
from django.middleware import gzip as django_gzip
from django.test import Client, RequestFactory
from django.utils.functional import empty

from blog.models import Post
from config.middleware import CompressText
from core import pagecache
from notifications.models import OutboundEmail
from tests.blog.factories import PostFactory

pytestmark = pytest.mark.django_db

NONCE = re.compile(r'nonce="([^"]+)"')
# Differ between any two responses, cached or not.
OWN_HEADERS = {"X-Request-ID", "Content-Security-Policy"}


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 3600


@pytest.fixture
def post_url():
    url = PostFactory(title="Kept title").get_absolute_url()
    assert Client().get(url).status_code == 200  # rendered and stored
    return url


@pytest.fixture
def reads(monkeypatch):
    """Each reading of the generations (more than the epoch) a hit makes."""
    calls = []
    real = pagecache._read

    def counting(tables):
        calls.append(sorted(tables))
        return real(tables)

    monkeypatch.setattr(pagecache, "_read", counting)
    return calls


@pytest.fixture
def resolved(monkeypatch):
    """The paths whose URL was resolved."""
    paths = []
    real = BaseHandler.resolve_request

    def resolve_request(self, request):
        paths.append(request.path_info)
        return real(self, request)

    monkeypatch.setattr(BaseHandler, "resolve_request", resolve_request)
    return paths


# --- the epoch: one key read while nothing was written ---------------------------


def test_a_hit_reads_only_the_epoch_while_nothing_was_written(post_url, reads):
    for _ in range(3):
        assert "Kept title" in Client().get(post_url).content.decode()
    assert reads == []


def test_a_write_elsewhere_costs_one_reading_of_the_generations(post_url, reads):
    OutboundEmail.objects.filter(pk=-1).update(subject="Nothing")  # the outbox
    for _ in range(3):
        assert "Kept title" in Client().get(post_url).content.decode()
    # Read once, found unchanged, and the new epoch noted with the page.
    assert len(reads) == 1
    assert Post._meta.db_table in reads[0]


def test_a_write_to_a_table_the_page_read_renders_it_again(post_url):
    Post.objects.update(title="Edited title")
    html = Client().get(post_url).content.decode()
    assert "Edited title" in html
    assert "Kept title" not in html


def test_a_lost_epoch_only_makes_hits_read_the_generations(post_url, reads):
    pagecache._cache().delete(pagecache.EPOCH_KEY)
    assert "Kept title" in Client().get(post_url).content.decode()
    assert len(reads) == 1
    assert pagecache._cache().get(pagecache.EPOCH_KEY) is not None
    Post.objects.update(title="Edited title")
    assert "Edited title" in Client().get(post_url).content.decode()


def test_a_hit_between_a_bump_s_generations_and_its_epoch_serves_no_stale_page(
    post_url, monkeypatch
):
    """The test cache (locmem) writes a bump's keys one after another: a hit
    made after each key is written must never tie the old page to the new
    epoch, or every later hit would serve it."""
    cache = pagecache._cache()
    real_set = cache.set
    busy = []

    def set_then_visit(key, *args, **kwargs):
        real_set(key, *args, **kwargs)
        if not busy and (
            key == pagecache.EPOCH_KEY or key.startswith(pagecache.GENERATION_PREFIX)
        ):
            busy.append(key)
            Client().get(post_url)
            busy.pop()

    monkeypatch.setattr(cache, "set", set_then_visit)
    Post.objects.update(title="Edited title")
    monkeypatch.setattr(cache, "set", real_set)
    for _ in range(2):
        assert "Edited title" in Client().get(post_url).content.decode()


# --- answered before the URL is resolved ----------------------------------------


def test_a_kept_page_is_answered_before_its_url_is_resolved(post_url, resolved):
    response = Client().get(post_url)
    assert response.status_code == 200
    assert "Kept title" in response.content.decode()
    assert resolved == []
    # Any other page still is resolved.
    Client().get("/robots.txt")
    assert resolved == ["/robots.txt"]


def test_a_changed_page_is_rendered_after_one_check(post_url, resolved, reads):
    Post.objects.update(title="Edited title")
    assert "Edited title" in Client().get(post_url).content.decode()
    assert resolved == [post_url]
    # The middleware found it out of date; the view did not read again.
    assert len(reads) == 2  # the middleware's check, then the rendering's snapshot


def test_a_head_request_still_goes_to_the_view_and_its_method_check(post_url):
    # The blog's views allow GET only (require_GET).
    assert Client().head(post_url).status_code == 405


def test_signed_in_visitors_and_htmx_requests_are_not_answered_early(
    post_url, resolved
):
    from tests.users.factories import UserFactory

    member = Client()
    member.force_login(UserFactory(full_name="Morgana Fay"))
    assert "Morgana" in member.get(post_url).content.decode()
    Client().get(post_url, headers={"HX-Request": "true"})
    assert resolved == [post_url, post_url]


@pytest.mark.urls("tests.cache.nonce_urls")
def test_a_view_with_more_than_a_method_check_around_the_cache_is_resolved(
    resolved,
):
    """Something wrapped around `cache_public_page` runs on every hit: such a page
    is never answered before its view."""
    url = "/test-page-wrapped/"
    for _ in range(3):
        response = Client().get(url)
        assert response["X-Added-Outside"] == "yes"
    assert resolved == [url] * 3


@pytest.mark.urls("tests.cache.nonce_urls")
def test_an_early_hit_carries_its_own_nonce_and_the_headers_of_a_rendering(
    resolved,
):
    url = "/test-page-with-script/"
    rendered = Client().get(url)
    hits = [Client().get(url) for _ in range(2)]
    assert resolved == [url]
    nonces = {NONCE.search(r.content.decode()).group(1) for r in [rendered, *hits]}
    assert len(nonces) == 3
    for hit in hits:
        nonce = NONCE.search(hit.content.decode()).group(1)
        assert f"'nonce-{nonce}'" in hit["Content-Security-Policy"]
        assert {k: v for k, v in hit.items() if k not in OWN_HEADERS} == {
            k: v for k, v in rendered.items() if k not in OWN_HEADERS
        }


def test_a_hit_has_the_headers_of_the_rendering(post_url, resolved):
    pagecache._local.clear()
    pagecache._cache().clear()
    rendered = Client().get(post_url)
    hit = Client().get(post_url)
    assert resolved == [post_url]
    assert hit.content == rendered.content
    assert {k: v for k, v in hit.items() if k != "X-Request-ID"} == {
        k: v for k, v in rendered.items() if k != "X-Request-ID"
    }


# --- no message storage made to learn that no message waits ----------------------


def test_a_hit_makes_no_message_storage_for_a_visitor_without_the_cookie(post_url):
    response = Client().get(post_url)
    assert "Kept title" in response.content.decode()
    assert response.wsgi_request._messages._wrapped is empty
    assert "messages" not in response.cookies


def message_cookie(text: str) -> str:
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(constants.SUCCESS, text)
    response = HttpResponse()
    storage.update(response)
    return response.cookies["messages"].value


def test_a_message_in_the_cookie_is_shown_and_nobody_else_gets_it(post_url):
    visitor = Client()
    visitor.cookies["messages"] = message_cookie("Your booking is confirmed.")
    response = visitor.get(post_url)
    assert "Your booking is confirmed." in response.content.decode()
    # Read, so the cookie is emptied; the next visitor gets the stored page.
    assert response.cookies["messages"].value == ""
    assert "Your booking is confirmed." not in Client().get(post_url).content.decode()


@pytest.mark.urls("tests.cache.nonce_urls")
def test_a_message_added_during_the_request_keeps_it_from_the_cache():
    from tests.cache import nonce_urls

    nonce_urls.RENDERED.clear()
    url = "/test-page-after-message/"
    Client().get(url)
    Client().get(url)
    assert len(nonce_urls.RENDERED) == 1  # stored, then served from the cache
    Client().get(url, headers={"X-Add-Message": "1"})
    assert len(nonce_urls.RENDERED) == 2


def test_another_message_storage_is_asked(post_url, settings):
    settings.MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
    visitor = Client()
    session = visitor.session
    session["_messages"] = MessageEncoder().encode(
        [Message(constants.INFO, "Kept in the session.")]
    )
    session.save()
    html = visitor.get(post_url).content.decode()
    assert "Kept in the session." in html


# --- compressed once -------------------------------------------------------------


def gzipped(url, **headers):
    return Client().get(url, headers={"Accept-Encoding": "gzip", **headers})


def test_a_hit_is_compressed_with_the_page_s_gzip_made_when_it_was_stored(
    post_url, monkeypatch
):
    plain = Client().get(post_url).content

    def compress_string(*args, **kwargs):
        raise AssertionError("compressed again")

    monkeypatch.setattr(django_gzip, "compress_string", compress_string)
    response = gzipped(post_url)
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert response["Content-Length"] == str(len(response.content))
    assert gzip.decompress(response.content) == plain


def test_each_compressed_hit_carries_its_own_breach_padding(post_url):
    bodies = [gzipped(post_url).content for _ in range(12)]
    for body in bodies:
        assert body[3] & gzip.FNAME, "the random-length file name is there"
    # 100 possible lengths: twelve equal ones would be a fixed padding.
    assert len({len(body) for body in bodies}) > 1


def test_the_first_rendering_is_compressed_like_a_hit(post_url):
    pagecache._local.clear()
    pagecache._cache().clear()
    first = gzipped(post_url)
    hit = gzipped(post_url)
    assert gzip.decompress(first.content) == gzip.decompress(hit.content)
    assert first["Content-Encoding"] == hit["Content-Encoding"] == "gzip"


def test_a_client_that_does_not_accept_gzip_gets_the_plain_hit(post_url):
    response = Client().get(post_url, headers={"Accept-Encoding": "identity"})
    assert not response.has_header("Content-Encoding")
    assert "Accept-Encoding" in response["Vary"]
    assert b"Kept title" in response.content


@pytest.mark.urls("tests.cache.nonce_urls")
def test_a_page_with_a_nonce_is_compressed_for_each_request(monkeypatch):
    """Its body differs for each visitor: nothing is compressed in advance, and
    Django's compression (with its padding) runs for each response."""
    url = "/test-page-with-script/"
    Client().get(url)
    compressed = []
    real = django_gzip.compress_string

    def counting(*args, **kwargs):
        compressed.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(django_gzip, "compress_string", counting)
    # Long enough to be compressed (Django leaves bodies under 200 bytes alone).
    response = gzipped(url)
    html = gzip.decompress(response.content).decode()
    nonce = NONCE.search(html).group(1)
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
    assert compressed == [1]


def test_a_body_changed_after_it_was_compressed_is_compressed_afresh():
    body = b"<p>" + b"a" * 2000 + b"</p>"

    def view(request):
        response = HttpResponse(body)
        response.precompressed = (body, gzip.compress(body, mtime=0))
        response.content = b"<p>" + b"b" * 2000 + b"</p>"
        return response

    request = RequestFactory().get("/", headers={"accept-encoding": "gzip"})
    response = CompressText(view)(request)
    assert gzip.decompress(response.content) == b"<p>" + b"b" * 2000 + b"</p>"


def test_the_page_cache_middleware_is_the_last():
    from django.conf import settings

    assert settings.MIDDLEWARE[-1] == "core.pagecache.ServeKeptPages"
