from django.urls import path

from . import review_views, views

app_name = "directory"

urlpatterns = [
    path("practitioners/", views.search, name="search"),
    path("practitioners/<slug:slug>/", views.profile, name="profile"),
    path("techniques/", views.technique_list, name="techniques"),
    path("techniques/<slug:slug>/", views.technique, name="technique"),
    path("massage/<slug:slug>/", views.town, name="town"),
    path("practitioner/", views.dashboard, name="dashboard"),
    path("practitioner/apply/", views.apply, name="apply"),
    path("practitioner/profile/", views.edit_profile, name="edit-profile"),
    path("practitioner/locations/", views.locations, name="locations"),
    path("practitioner/locations/add/", views.location_form, name="location-add"),
    path("practitioner/locations/<int:pk>/", views.location_form, name="location-edit"),
    path(
        "practitioner/locations/<int:pk>/delete/",
        views.location_delete,
        name="location-delete",
    ),
    # Staff: the applications, one on one screen, its decision and its documents.
    path("staff/applications/", review_views.applications, name="applications"),
    path(
        "staff/applications/<int:pk>/",
        review_views.review,
        name="application-review",
    ),
    path(
        "staff/applications/<int:pk>/approve/",
        review_views.approve,
        name="application-approve",
    ),
    path(
        "staff/applications/<int:pk>/refuse/",
        review_views.refuse,
        name="application-refuse",
    ),
    path(
        "staff/applications/<int:pk>/documents/<int:document>/",
        review_views.document,
        name="application-document",
    ),
]
