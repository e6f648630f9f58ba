"""Shared by the apps' admins: the page an action shows before it does something
that cannot be undone (and asks for a reason, where one is needed)."""

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse


def confirm_action(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    title: str,
    question: str,
    button: str,
    form: forms.Form | None = None,
) -> TemplateResponse:
    """The confirmation page; posting it runs the action again with `apply` set."""
    return TemplateResponse(
        request,
        "core/confirm_action.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "question": question,
            "button": button,
            "objects": queryset,
            "form": form,
            "action": request.POST.get("action"),
            "opts": modeladmin.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        },
    )
