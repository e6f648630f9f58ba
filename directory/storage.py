"""The local storage of private files (application documents).

A FileSystemStorage whose files have no URL: they live outside MEDIA_ROOT, nothing
serves that directory, and asking for a URL is a programming error rather than a
link to a page that happens not to exist. Staff read the files through the
directory's document view, which checks who is asking.
"""

from django.core.files.storage import FileSystemStorage


class PrivateFileSystemStorage(FileSystemStorage):
    def url(self, name):
        raise NotImplementedError("Private files have no URL; stream them instead.")
