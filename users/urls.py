from django.urls import path

from . import views

app_name = "users"

urlpatterns = [
    path("", views.account_home, name="account"),
    path("data/export/", views.export_data, name="export-data"),
    path("data/delete/", views.delete_account, name="delete-account"),
    path("data/deleted/", views.account_deleted, name="account-deleted"),
]
