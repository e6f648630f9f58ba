from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from blog.models import Post
from bookings.models import Booking
from core.models import TimeStampedModel
from courses.models import Course, CourseDate, Enrolment
from directory.models import Practitioner

pytestmark = pytest.mark.django_db


def test_the_models_with_both_times_share_one_definition():
    for model in (Practitioner, Booking, Course, CourseDate, Enrolment, Post):
        assert issubclass(model, TimeStampedModel)
        assert model._meta.get_field("created_at").auto_now_add
        assert model._meta.get_field("updated_at").auto_now


def test_created_is_set_once_and_updated_on_every_save():
    before = timezone.now()
    course = Course.objects.create(
        title="Hot stone massage",
        slug="hot-stone-massage",
        summary="Two weekends.",
        description="Stones.",
        total_hours=30,
        price=Decimal("450"),
        deposit=Decimal("100"),
    )
    assert before <= course.created_at <= timezone.now()
    assert course.updated_at >= course.created_at
    created = course.created_at

    Course.objects.filter(pk=course.pk).update(
        updated_at=course.updated_at - timedelta(days=1)
    )
    course.refresh_from_db()
    stale = course.updated_at
    course.title = "Hot stone massage therapy"
    course.save()
    course.refresh_from_db()
    assert course.created_at == created
    assert course.updated_at > stale
