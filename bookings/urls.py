from django.urls import path

import core.converters  # noqa: F401  (the <token:...> converter)

from . import api, dashboard, views

app_name = "bookings"

urlpatterns = [
    # The booking flow, from a practitioner's profile.
    path("book/<slug:slug>/", views.choose_service, name="choose-service"),
    path("book/<slug:slug>/<int:service_id>/", views.choose_time, name="choose-time"),
    path("book/<slug:slug>/<int:service_id>/details/", views.details, name="details"),
    path("book/<slug:slug>/<int:service_id>/health/", views.health, name="health"),
    path("book/done/<token:token>/", views.confirmation, name="confirmation"),
    path("book/done/<token:token>/pay/", views.pay, name="pay"),
    path(
        "book/<slug:slug>/<int:service_id>/waitlist/",
        views.waitlist_join,
        name="waitlist-join",
    ),
    path("book/waitlist/<token:token>/", views.waitlist_stop, name="waitlist-stop"),
    # The client's appointments; guests use the secret manage link.
    path("appointments/", views.my_appointments, name="mine"),
    path("appointments/<int:pk>/", views.appointment, name="appointment"),
    path(
        "appointments/<int:pk>/cancel/",
        views.appointment_cancel,
        name="appointment-cancel",
    ),
    path(
        "appointments/<int:pk>/reschedule/",
        views.appointment_reschedule,
        name="appointment-reschedule",
    ),
    path(
        "appointments/<int:pk>/calendar.ics",
        views.appointment_ics,
        name="appointment-ics",
    ),
    path("appointments/manage/<token:token>/", views.manage, name="manage"),
    path(
        "appointments/manage/<token:token>/cancel/",
        views.manage_cancel,
        name="manage-cancel",
    ),
    path(
        "appointments/manage/<token:token>/reschedule/",
        views.manage_reschedule,
        name="manage-reschedule",
    ),
    path(
        "appointments/manage/<token:token>/calendar.ics",
        views.manage_ics,
        name="manage-ics",
    ),
    path(
        "appointments/manage/<token:token>/new-link/",
        views.manage_new_link,
        name="manage-new-link",
    ),
    # The practitioner's dashboard.
    path("practitioner/agenda/", dashboard.agenda, name="agenda"),
    path(
        "practitioner/agenda/<int:pk>/",
        dashboard.agenda_booking,
        name="agenda-booking",
    ),
    path(
        "practitioner/agenda/<int:pk>/approve/",
        dashboard.agenda_approve,
        name="agenda-approve",
    ),
    path(
        "practitioner/agenda/<int:pk>/decline/",
        dashboard.agenda_decline,
        name="agenda-decline",
    ),
    path(
        "practitioner/agenda/<int:pk>/cancel/",
        dashboard.agenda_cancel,
        name="agenda-cancel",
    ),
    path(
        "practitioner/agenda/<int:pk>/attendance/",
        dashboard.agenda_attendance,
        name="agenda-attendance",
    ),
    path(
        "practitioner/agenda/<int:pk>/note/",
        dashboard.agenda_note,
        name="agenda-note",
    ),
    path("practitioner/services/", dashboard.service_list, name="services"),
    path("practitioner/services/new/", dashboard.service_create, name="service-create"),
    path(
        "practitioner/services/<int:pk>/",
        dashboard.service_edit,
        name="service-edit",
    ),
    path("practitioner/availability/", dashboard.availability, name="availability"),
    path("practitioner/availability/hours/", dashboard.hours_add, name="hours-add"),
    path(
        "practitioner/availability/hours/copy/",
        dashboard.hours_copy,
        name="hours-copy",
    ),
    path(
        "practitioner/availability/hours/<int:pk>/",
        dashboard.hours_edit,
        name="hours-edit",
    ),
    path(
        "practitioner/availability/hours/<int:pk>/delete/",
        dashboard.hours_delete,
        name="hours-delete",
    ),
    path(
        "practitioner/availability/dates/",
        dashboard.override_add,
        name="override-add",
    ),
    path(
        "practitioner/availability/dates/<int:pk>/delete/",
        dashboard.override_delete,
        name="override-delete",
    ),
    path(
        "practitioner/availability/time-off/",
        dashboard.time_off_add,
        name="time-off-add",
    ),
    path(
        "practitioner/availability/time-off/<int:pk>/delete/",
        dashboard.time_off_delete,
        name="time-off-delete",
    ),
    path("practitioner/availability/policy/", dashboard.policy, name="policy"),
    path("practitioner/calendar/", dashboard.calendar_settings, name="calendar"),
    path("practitioner/calendar/other/", dashboard.calendar_add, name="calendar-add"),
    path(
        "practitioner/calendar/other/<int:pk>/refresh/",
        dashboard.calendar_refresh,
        name="calendar-refresh",
    ),
    path(
        "practitioner/calendar/other/<int:pk>/remove/",
        dashboard.calendar_remove,
        name="calendar-remove",
    ),
    path(
        "practitioner/calendar/<token:token>.ics",
        dashboard.calendar_feed,
        name="calendar-feed",
    ),
    # JSON
    path("api/practitioners/<slug:slug>/slots/", api.slots, name="api-slots"),
]
