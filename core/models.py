from django.db import models


class TimeStampedModel(models.Model):
    """When a row was created and last changed. save() stamps updated_at; a bulk
    update() does not, so code that changes rows that way sets it too."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
