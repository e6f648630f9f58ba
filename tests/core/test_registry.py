import pytest

from core import registry
from core.registry import project_modules


def names(modules) -> list[str]:
    return [module.__name__ for module in modules]


def test_each_app_module_of_a_name_comes_in_project_apps_order():
    assert names(project_modules("demo")) == [
        "users.demo",
        "directory.demo",
        "bookings.demo",
        "courses.demo",
        "reviews.demo",
        "notifications.demo",
        "blog.demo",
    ]
    assert names(project_modules("sitemaps")) == [
        "directory.sitemaps",
        "courses.sitemaps",
        "blog.sitemaps",
    ]


def test_notifications_erases_after_the_apps_whose_erasure_sends_email():
    privacy = names(project_modules("privacy"))
    assert privacy.index("notifications.privacy") > privacy.index("bookings.privacy")
    assert privacy.index("notifications.privacy") > privacy.index("courses.privacy")


def test_apps_not_installed_or_without_the_module_are_skipped(settings):
    settings.PROJECT_APPS = ["nosuchapp", "sites", "courses", "blog"]
    assert names(project_modules("sitemaps")) == ["courses.sitemaps", "blog.sitemaps"]
    assert project_modules("nosuchmodule") == []


def test_a_module_that_fails_to_import_is_not_taken_for_a_missing_one(
    settings, monkeypatch
):
    settings.PROJECT_APPS = ["blog"]

    def broken(name):
        raise ModuleNotFoundError("No module named 'feedparser'", name="feedparser")

    monkeypatch.setattr(registry, "import_module", broken)
    with pytest.raises(ModuleNotFoundError, match="feedparser"):
        project_modules("demo")
