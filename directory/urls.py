from django.urls import path

from . import views

app_name = "directory"

urlpatterns = [
    path("practitioners/", views.search, name="search"),
    path("practitioners/<slug:slug>/", views.profile, name="profile"),
]
