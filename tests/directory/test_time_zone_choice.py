"""The time zone is chosen from a list of real zones, the UK first; anything
else typed into the request is refused and changes nothing."""

import re

import pytest
from django.urls import reverse

from directory.forms import PractitionerForm, time_zone_choices
from tests.directory.factories import PractitionerFactory
from tests.directory.test_profiles import profile_data

pytestmark = pytest.mark.django_db


def options(html: str) -> list[str]:
    select = html[html.index('name="time_zone"') :]
    select = select[: select.index("</select>")]
    return re.findall(r'<option value="([^"]+)"', select)


def test_the_time_zone_is_a_select_with_the_uk_first(client):
    practitioner = PractitionerFactory()
    client.force_login(practitioner.user)
    html = client.get(reverse("directory:edit-profile")).text
    assert '<select name="time_zone"' in html
    assert '<input type="text" name="time_zone"' not in html
    zones = options(html)
    assert zones[0] == "Europe/London"
    assert "Europe/Paris" in zones and "America/New_York" in zones
    assert len(zones) == len(set(zones)) > 300
    # Old aliases and technical zones are not offered.
    assert not {"GB", "US/Eastern", "Etc/GMT+5", "UTC"} & set(zones)


def test_another_zone_from_the_list_is_saved(client):
    practitioner = PractitionerFactory()
    client.force_login(practitioner.user)
    response = client.post(
        reverse("directory:edit-profile"),
        {**profile_data(), "time_zone": "Europe/Paris"},
    )
    assert response.status_code == 302
    practitioner.refresh_from_db()
    assert practitioner.time_zone == "Europe/Paris"


@pytest.mark.parametrize(
    "value", ["Mars/Olympus", "GB", "Etc/GMT+5", "europe/london", "", "x" * 500]
)
def test_a_zone_not_in_the_list_is_refused_and_nothing_changes(client, value):
    practitioner = PractitionerFactory(time_zone="Europe/London")
    client.force_login(practitioner.user)
    response = client.post(
        reverse("directory:edit-profile"), {**profile_data(), "time_zone": value}
    )
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert "time zone" in response.text
    practitioner.refresh_from_db()
    assert practitioner.time_zone == "Europe/London"


def test_a_zone_saved_before_the_list_existed_can_still_be_kept():
    practitioner = PractitionerFactory(time_zone="GB")
    form = PractitionerForm(instance=practitioner)
    assert "GB" in [value for value, _ in form.fields["time_zone"].choices[1][1]]
    assert "GB" not in [value for value, _ in time_zone_choices()[1][1]]
