from django.apps import AppConfig
from django.db import transaction
from django.db.models.signals import post_delete


def _delete_document_file(sender, instance, **kwargs) -> None:
    """An application document's row is gone: its file goes too, once that is
    committed (a rollback keeps both). A signal rather than a service, because the
    rows also go by cascade: an account deleted, a profile deleted in the admin."""
    from . import documents

    name = instance.stored_name
    transaction.on_commit(lambda: documents.delete([name]))


class DirectoryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "directory"
    verbose_name = "Directory"

    def ready(self) -> None:
        from core import pagecache

        # Migration 0014's triggers copy a practitioner's listing and techniques
        # onto their places of work: a page that read the places read them too.
        for table in ("directory_practitioner", "directory_practitioner_techniques"):
            pagecache.also_writes(table, "directory_location")
        post_delete.connect(
            _delete_document_file,
            sender="directory.ApplicationDocument",
            dispatch_uid="directory-delete-document-file",
        )
