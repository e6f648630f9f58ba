from django.urls import path

from . import calendar, certificate_views, views

app_name = "courses"

urlpatterns = [
    path("courses/", views.course_date_list, name="list"),
    path("courses/<slug:slug>/", views.course_detail, name="detail"),
    path("courses/<slug:slug>/<int:pk>/", views.course_date_detail, name="date"),
    path("courses/<slug:slug>/<int:pk>/enrol/", views.enrol, name="enrol"),
    path(
        "courses/<slug:slug>/<int:pk>/waiting-list/",
        views.join_waiting_list,
        name="join-waiting-list",
    ),
    path(
        "courses/<slug:slug>/<int:pk>/class-list.csv",
        views.class_list_csv,
        name="class-list-csv",
    ),
    path(
        "courses/<slug:slug>/<int:pk>/register/",
        certificate_views.register,
        name="register",
    ),
    path("verify/", certificate_views.verify, name="verify"),
    path("verify/<str:number>/", certificate_views.verify_number, name="verify-number"),
    path("account/courses/", views.my_courses, name="mine"),
    path("account/courses/<int:pk>/", views.enrolment_detail, name="enrolment"),
    path("account/courses/<int:pk>/pay/", views.pay, name="pay"),
    path("account/courses/<int:pk>/invoice/", views.invoice, name="invoice"),
    path(
        "account/courses/<int:pk>/cancel/",
        views.cancel_enrolment,
        name="cancel",
    ),
    path(
        "account/courses/<int:pk>/certificate.pdf",
        certificate_views.certificate_download,
        name="certificate",
    ),
    path(
        "account/courses/<int:pk>/certificate/profile-link/",
        certificate_views.certificate_profile_link,
        name="certificate-profile-link",
    ),
    path(
        "account/courses/<int:pk>/calendar.ics",
        calendar.enrolment_calendar,
        name="calendar",
    ),
    path(
        "account/courses/<int:pk>/calendar/<int:day>.ics",
        calendar.enrolment_calendar,
        name="calendar-day",
    ),
    path(
        "account/courses/waiting-list/<int:pk>/leave/",
        views.leave_waiting_list,
        name="leave-waiting-list",
    ),
]
