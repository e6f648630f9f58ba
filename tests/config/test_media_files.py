"""Uploaded files served by the site itself (DJANGO_SERVE_MEDIA): images named
after their content are cached for a year, other names for a day, and nothing
outside MEDIA_ROOT is reachable."""

import importlib
import re
from pathlib import Path

import pytest
from django.urls import clear_url_caches

from core import images

ROOT = Path(__file__).resolve().parents[2]
HASHED = "blog/spine.3f9a0c1d2e4b.jpg"


@pytest.fixture
def media(settings, tmp_path):
    import config.urls

    root = tmp_path / "media"
    (root / "blog").mkdir(parents=True)
    for name in (
        HASHED,
        images.rendition_name(HASHED, 400, "webp"),
        images.og_name(HASHED),
        "blog/spine.jpg",
        "blog/spine_AbC1234.jpg",
    ):
        (root / name).write_bytes(b"\xff\xd8 " + name.encode())
    (tmp_path / "secret.txt").write_text("not for the public")
    settings.MEDIA_ROOT = root
    settings.DEBUG, settings.SERVE_MEDIA = False, True
    clear_url_caches()
    importlib.reload(config.urls)
    yield root
    settings.DEBUG, settings.SERVE_MEDIA = False, False
    clear_url_caches()
    importlib.reload(config.urls)


@pytest.mark.parametrize(
    "name",
    [
        HASHED,
        images.rendition_name(HASHED, 400, "webp"),
        images.rendition_name(HASHED, 96, "jpg"),
        images.og_name(HASHED),
    ],
)
def test_an_image_named_after_its_content_is_cached_for_a_year(client, media, name):
    if not (media / name).exists():
        (media / name).write_bytes(b"\xff\xd8")
    response = client.get(f"/media/{name}")
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert b"".join(response.streaming_content) == (media / name).read_bytes()


@pytest.mark.parametrize("name", ["blog/spine.jpg", "blog/spine_AbC1234.jpg"])
def test_a_name_stored_before_hashes_is_cached_for_a_day_only(client, media, name):
    response = client.get(f"/media/{name}")
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=86400"


def test_a_revalidation_keeps_the_long_lifetime(client, media):
    first = client.get(f"/media/{HASHED}")
    again = client.get(
        f"/media/{HASHED}", headers={"if-modified-since": first["Last-Modified"]}
    )
    assert again.status_code == 304
    assert again["Cache-Control"] == "public, max-age=31536000, immutable"


def test_a_missing_file_is_a_404_without_a_long_lifetime(client, media):
    response = client.get("/media/blog/gone.3f9a0c1d2e4b.jpg")
    assert response.status_code == 404
    assert "immutable" not in response.get("Cache-Control", "")


@pytest.mark.parametrize(
    "path",
    [
        "/media/../secret.txt",
        "/media/blog/../../secret.txt",
        "/media/%2e%2e/secret.txt",
        "/media/..%2fsecret.txt",
        "/media/%2e%2e%2fsecret.txt",
        "/media/blog/%2e%2e%2f%2e%2e%2fsecret.txt",
        "/media/..%5csecret.txt",
        "/media/blog/spine.jpg%00.txt",
        "/media/blog/",
        "/media/",
    ],
)
def test_a_hostile_path_is_a_404(client, media, path):
    response = client.get(path)
    assert response.status_code == 404
    assert b"not for the public" not in response.content


def test_only_reads_are_answered(client, media):
    assert client.post(f"/media/{HASHED}").status_code == 405
    assert client.head(f"/media/{HASHED}").status_code == 200


def test_the_caddyfile_caches_the_same_names_for_a_year():
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    media = caddyfile[caddyfile.index("handle_path /media/*") :]
    media = media[: media.index("\n\t}")]
    hashed = re.search(r"@hashed path_regexp (\S+)", media).group(1)
    unhashed = re.search(r"@unhashed not path_regexp (\S+)", media).group(1)
    assert hashed == unhashed == images.HASHED_NAME.pattern
    assert f'header @hashed Cache-Control "{images.LONG_CACHE}"' in media
    assert f'header @unhashed Cache-Control "{images.SHORT_CACHE}"' in media
