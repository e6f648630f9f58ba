from django.apps import AppConfig


class BlogConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "blog"
    verbose_name = "Blog"

    def ready(self) -> None:
        from core import panels

        from .panels import course_videos, technique_articles, technique_videos

        # A technique's page lists the articles and the videos about it; a course
        # page the videos about what it teaches.
        panels.register(
            "technique_page_aside",
            "blog/_technique_articles_panel.html",
            context=technique_articles,
            order=20,
        )
        panels.register(
            "technique_page_main",
            "blog/_technique_videos_panel.html",
            context=technique_videos,
        )
        panels.register(
            "course_page", "blog/_course_videos_panel.html", context=course_videos
        )
