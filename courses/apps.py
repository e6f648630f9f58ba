from django.apps import AppConfig


class CoursesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "courses"
    verbose_name = "Courses"

    def ready(self) -> None:
        from core import panels
        from payments import registry

        from .billing import PREFIX, EnrolmentPayments
        from .panels import course_dates_near, courses_teaching, next_course_dates

        # Payments tells courses when money for an enrolment moves.
        registry.register(PREFIX, EnrolmentPayments())

        # A blog post about a technique offers the next course dates teaching it;
        # a technique's page, the courses teaching it with their next dates.
        panels.register(
            "blog_post", "courses/_post_panel.html", context=next_course_dates
        )
        panels.register(
            "technique_page_aside",
            "courses/_technique_panel.html",
            context=courses_teaching,
            order=10,
        )
        # A town page offers our next course dates near the town.
        panels.register(
            "town_page", "courses/_town_panel.html", context=course_dates_near
        )
