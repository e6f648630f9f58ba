"""Application documents in a private S3 bucket, against a local S3 server."""

import urllib.error
import urllib.request

import pytest
from django.core.files.storage import storages
from django.urls import reverse

from directory.models import ApplicationDocument, Practitioner
from tests.directory import documents
from tests.directory.factories import PlaceFactory
from tests.directory.test_profiles import application
from tests.users.factories import StaffFactory, UserFactory

from .s3 import CREDENTIALS, local_s3, private_storage_settings
from .support import production_settings

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def private_server():
    with local_s3("practitioners-private", public=False) as s3:
        yield s3


@pytest.fixture
def private_s3(private_server, settings, monkeypatch):
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    settings.STORAGES = {
        **settings.STORAGES,
        "private": private_storage_settings(private_server),
    }
    client = private_server.client()
    for key in private_server.object_keys():
        client.delete_object(Bucket=private_server.bucket, Key=key)
    return private_server


def _anonymous_get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_documents_go_to_the_private_bucket_and_only_staff_read_them(
    client, private_s3, django_capture_on_commit_callbacks
):
    PlaceFactory(kind="outward", name="BN7", key="BN7", latitude=50.874,
                 longitude=0.009)  # fmt: skip
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("directory:apply"), application())
    assert response.status_code == 302
    practitioner = Practitioner.objects.get(user=user)
    stored = {d.stored_name: d for d in practitioner.documents.all()}
    assert private_s3.object_keys() == sorted(stored)

    s3 = private_s3.client()
    for key in stored:
        # Private objects: the owner's grant only, nobody else's; not cached.
        grants = s3.get_object_acl(Bucket=private_s3.bucket, Key=key)["Grants"]
        assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]
        assert all("URI" not in g["Grantee"] for g in grants)
        head = s3.head_object(Bucket=private_s3.bucket, Key=key)
        assert head["CacheControl"] == "private, no-store"
    # The bucket has no policy that would open it to anyone.
    with pytest.raises(s3.exceptions.ClientError):
        s3.get_bucket_policy(Bucket=private_s3.bucket)
    # An unsigned request for the object, as a browser would make, is refused.
    insurance = practitioner.documents.get(kind=ApplicationDocument.Kind.INSURANCE)
    bare = f"{private_s3.endpoint_url}/{private_s3.bucket}/{insurance.stored_name}"
    assert _anonymous_get(bare) == 403

    url = reverse(
        "directory:application-document", args=[practitioner.pk, insurance.pk]
    )
    assert client.get(url).status_code == 404  # the applicant is not staff
    client.force_login(StaffFactory())
    download = client.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == documents.pdf_bytes()

    with django_capture_on_commit_callbacks(execute=True):
        practitioner.delete()
    assert private_s3.object_keys() == []
    assert storages["private"].exists(insurance.stored_name) is False


def test_production_keeps_documents_private_in_their_own_bucket():
    names = ["STORAGES", "PRIVATE_MEDIA_ROOT", "MEDIA_ROOT"]
    local = production_settings(names)
    assert local["STORAGES"]["private"]["BACKEND"] == (
        "directory.storage.PrivateFileSystemStorage"
    )
    assert not local["PRIVATE_MEDIA_ROOT"].startswith(local["MEDIA_ROOT"])

    remote = production_settings(
        names,
        AWS_STORAGE_BUCKET_NAME="ht-media",
        AWS_PRIVATE_STORAGE_BUCKET_NAME="ht-private",
    )
    private = remote["STORAGES"]["private"]
    assert private["BACKEND"] == "storages.backends.s3.S3Storage"
    assert private["OPTIONS"]["bucket_name"] == "ht-private"
    assert private["OPTIONS"]["default_acl"] == "private"
    assert remote["STORAGES"]["default"]["OPTIONS"]["bucket_name"] == "ht-media"
