"""A URL configuration for tests/core/test_templatetags.py's `site_url` tests:
the about page at another address, and no blog."""

from django.urls import path
from django.views.generic import TemplateView

urlpatterns = [
    path(
        "elsewhere/about/",
        TemplateView.as_view(template_name="pages/about.html"),
        name="about",
    ),
]
