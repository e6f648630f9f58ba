import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command

from users.models import User

pytestmark = pytest.mark.django_db


def snapshot():
    return sorted(
        (u.email, u.password, u.is_staff, u.full_name) for u in User.objects.all()
    ), sorted(EmailAddress.objects.values_list("email", "verified", "primary"))


def test_seed_demo_creates_staff_and_client_who_can_log_in(client):
    call_command("seed_demo")
    staff = User.objects.get(email="staff@demo.example")
    assert staff.is_staff and staff.check_password("demo-staff-pass")
    customer = User.objects.get(email="client@demo.example")
    assert not customer.is_staff and customer.check_password("demo-client-pass")
    assert client.login(email="client@demo.example", password="demo-client-pass")


def test_seed_demo_twice_changes_nothing():
    call_command("seed_demo")
    first = snapshot()
    call_command("seed_demo")
    assert snapshot() == first


def test_seed_demo_refuses_where_demo_data_is_off(settings):
    settings.ALLOW_DEMO_DATA = False
    with pytest.raises(CommandError, match="published passwords"):
        call_command("seed_demo")
    assert not User.objects.exists()
