import re

from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemaps
from django.urls import include, path, re_path
from django.views.generic import TemplateView

from . import views
from .sitemaps import SITEMAPS

# Staff sign in to the admin through allauth's login, with its rate limits.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Holistic Touch staff"
admin.site.site_title = "Holistic Touch staff"

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
# allauth's rate limits and the site's own (core/ratelimit.py) answer with this.
handler429 = "config.views.too_many_requests"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("healthz/live", views.healthz_live, name="healthz-live"),
    path("healthz/ready", views.healthz_ready, name="healthz-ready"),
    path("csp-report/", views.csp_report, name="csp-report"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("robots.txt", views.robots_txt, name="robots"),
    # An index of sections, each paginated at the protocol's 50,000 addresses.
    path(
        "sitemap.xml",
        sitemaps.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<slug:section>.xml",
        sitemaps.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
    path(
        "about/",
        TemplateView.as_view(template_name="pages/about.html"),
        name="about",
    ),
    path("accounts/", include("allauth.urls")),
    path("account/", include("users.urls")),
    path("", include("directory.urls")),
    path("", include("bookings.urls")),
    path("", include("courses.urls")),
    path("", include("reviews.urls")),
    path("", include("payments.urls")),
    path("blog/", include("blog.urls")),
    path("videos/", include("blog.video_urls")),
    path(settings.ADMIN_URL, admin.site.urls),
]

media_is_local = not settings.AWS_STORAGE_BUCKET_NAME
if (settings.DEBUG or settings.SERVE_MEDIA) and media_is_local:
    # static() adds nothing when DEBUG is off, so the route is spelled out here.
    urlpatterns += [
        re_path(
            rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.*)$",
            views.media_file,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]
