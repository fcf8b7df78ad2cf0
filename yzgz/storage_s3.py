"""Uploads in S3-compatible object storage (django-storages), failing like the disk does.

Selected with ``DJANGO_MEDIA_STORAGE=s3`` (:func:`yzgz.storage.media_storage` builds the
options). The callers that store uploads (covers, body images, avatars) treat ``OSError`` as
"the storage is full or unavailable" and answer with a clear message and nothing half-saved;
boto3 raises its own exceptions, so a failed write is turned into ``OSError`` here.
"""

from botocore.exceptions import BotoCoreError, ClientError
from storages.backends.s3 import S3Storage


class S3MediaStorage(S3Storage):
    def _save(self, name, content):
        try:
            return super()._save(name, content)
        except (BotoCoreError, ClientError) as exc:
            raise OSError(f"object storage refused {name!r}: {exc}") from exc
