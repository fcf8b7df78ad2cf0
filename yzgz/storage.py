"""Uploads on the local disk (MEDIA_ROOT), without leftovers when the disk fails.

Django's FileSystemStorage leaves a partial file behind when a write fails half-way (a full
disk: ``ENOSPC``). This one removes the file it was writing and re-raises, so the caller
can clean up what it stored before and tell the user (see ``news.images.StorageUnavailable``).
"""

import contextlib
import os

from django.core.files.storage import FileSystemStorage


class MediaStorage(FileSystemStorage):
    def _save(self, name, content):
        full_path = self.path(name)
        existed = os.path.exists(full_path)
        try:
            return super()._save(name, content)
        except FileExistsError:
            raise
        except OSError:
            if not existed:
                with contextlib.suppress(OSError):
                    os.remove(full_path)
            raise
