from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def site(request: HttpRequest) -> dict:
    return {
        "SITE_NAME": settings.SITE_NAME,
        "CONTACT_EMAIL": settings.CONTACT_EMAIL,
        "CONTACT_PHONE": settings.CONTACT_PHONE,
    }


def two_factor(request: HttpRequest) -> dict:
    """`two_factor_enabled`: asked only by the pages that offer it (queried once)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"two_factor_enabled": False}
    return {"two_factor_enabled": SimpleLazyObject(lambda: is_mfa_enabled(user))}
