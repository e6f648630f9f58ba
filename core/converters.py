"""Path converters the apps share."""

from django.urls import register_converter


class TokenConverter:
    """A bearer secret in a URL (a manage link, a calendar feed): the URL-safe
    alphabet of `secrets.token_urlsafe`, 16 to 128 characters. Anything else (a
    NUL byte, a slash, a space) matches no route, so it answers 404 before any
    query is made."""

    regex = r"[A-Za-z0-9_-]{16,128}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TokenConverter, "token")
