"""A local S3-compatible server (moto in server mode, real HTTP) for the storage
tests and the cluster smoke test."""

import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import boto3
from moto.server import ThreadedMotoServer

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "local-test-key",
    "AWS_SECRET_ACCESS_KEY": "local-test-secret",
    "AWS_DEFAULT_REGION": "eu-west-2",
}


@dataclass
class LocalS3:
    endpoint_url: str
    bucket: str

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=CREDENTIALS["AWS_DEFAULT_REGION"],
        )

    def object_keys(self) -> list[str]:
        listing = self.client().list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def storage_settings(self) -> dict:
        """STORAGES["default"] as base.py builds it for this bucket."""
        return {
            "BACKEND": "core.storage.MediaS3Storage",
            "OPTIONS": {
                "bucket_name": self.bucket,
                "endpoint_url": self.endpoint_url,
                "region_name": CREDENTIALS["AWS_DEFAULT_REGION"],
                "querystring_auth": False,
                "default_acl": None,
                "file_overwrite": False,
                "custom_domain": None,
                "url_protocol": "http:",
            },
        }


def private_storage_settings(s3: LocalS3) -> dict:
    """STORAGES["private"] as base.py builds it for this bucket."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": s3.bucket,
            "endpoint_url": s3.endpoint_url,
            "region_name": CREDENTIALS["AWS_DEFAULT_REGION"],
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "private, no-store"},
        },
    }


def public_read(bucket: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{bucket}/*",
                }
            ],
        }
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def local_s3(
    bucket: str = "practitioners-media", *, public: bool = True
) -> Iterator[LocalS3]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        s3 = LocalS3(f"http://127.0.0.1:{port}", bucket)
        s3.client().create_bucket(
            Bucket=bucket,
            CreateBucketConfiguration={
                "LocationConstraint": CREDENTIALS["AWS_DEFAULT_REGION"]
            },
        )
        # Media is public (photos and article images): readable by anyone, as
        # the bucket policy of a real deployment makes it (docs/operations.md).
        # The private bucket (application documents) has no policy at all.
        if public:
            s3.client().put_bucket_policy(Bucket=bucket, Policy=public_read(bucket))
        yield s3
    finally:
        server.stop()
