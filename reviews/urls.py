from django.urls import path

import core.converters  # noqa: F401  (the <token:...> converter)

from . import views

app_name = "reviews"

urlpatterns = [
    path("appointments/<int:pk>/review/", views.write, name="write"),
    path("reviews/write/<token:token>/", views.guest_write, name="guest-write"),
    path("reviews/stop/<token:token>/", views.stop, name="stop"),
    path("practitioners/<slug:slug>/reviews/", views.practitioner_reviews, name="list"),
    path("practitioner/reviews/", views.mine, name="mine"),
    path("practitioner/reviews/<int:pk>/reply/", views.reply, name="reply"),
    path("practitioner/reviews/<int:pk>/report/", views.report, name="report"),
]
