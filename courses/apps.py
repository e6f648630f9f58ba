from django.apps import AppConfig


class CoursesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "courses"
    verbose_name = "Courses"

    def ready(self) -> None:
        from core import panels

        from .panels import course_dates_near, next_course_dates

        # A blog post about a technique offers the next course dates teaching it.
        panels.register(
            "blog_post", "courses/_post_panel.html", context=next_course_dates
        )
        # A town page offers our next course dates near the town.
        panels.register(
            "town_page", "courses/_town_panel.html", context=course_dates_near
        )
