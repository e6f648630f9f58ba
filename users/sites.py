"""The Sites framework's record follows SITE_URL.

Sitemaps, feeds and allauth build absolute addresses from the current Site; emails
and pages use SITE_URL. Keeping the one in step with the other after every migrate
means setting SITE_URL is all a deployment needs.
"""

from django.conf import settings

from core.links import site_host


def site_domain() -> str:
    return site_host()


def sync_site(*, apps=None, using: str = "default", **kwargs) -> None:
    if apps is None:
        from django.apps import apps
    try:
        Site = apps.get_model("sites", "Site")
    except LookupError:  # a migrate that stopped before the sites app
        return
    Site.objects.using(using).update_or_create(
        pk=settings.SITE_ID,
        defaults={"domain": site_domain()},
        create_defaults={"domain": site_domain(), "name": "Holistic Touch"},
    )
