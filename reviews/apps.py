from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reviews"
    verbose_name = "Reviews"

    def ready(self) -> None:
        from core import panels

        from .panels import reviews_panel

        # The profile page shows the latest published reviews.
        panels.register(
            "practitioner_profile",
            "reviews/_profile_panel.html",
            context=reviews_panel,
            order=10,
        )
