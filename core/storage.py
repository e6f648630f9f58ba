"""The media bucket's storage: django-storages' S3 backend, with each public
image's Cache-Control chosen by its name when it is uploaded (core/images.py:
a year for names that carry their content's hash, a day for the others)."""

from storages.backends.s3 import S3Storage

from . import images


class MediaS3Storage(S3Storage):
    def get_object_parameters(self, name: str) -> dict:
        parameters = super().get_object_parameters(name)
        parameters["CacheControl"] = images.cache_control(name)
        return parameters
