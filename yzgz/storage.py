"""Uploads on the local disk (MEDIA_ROOT), without leftovers when the disk fails, or in
S3-compatible object storage (:func:`media_storage`, ``DJANGO_MEDIA_STORAGE=s3``).

Django's FileSystemStorage leaves a partial file behind when a write fails half-way (a full
disk: ``ENOSPC``). This one removes the file it was writing and re-raises, so the caller
can clean up what it stored before and tell the user (see ``yzgz.images.StorageUnavailable``).
"""

import contextlib
import os
from urllib.parse import urlsplit

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


def media_storage(environ):
    """``(STORAGES["default"], MEDIA_URL)`` from the environment (settings.py calls this).

    ``DJANGO_MEDIA_STORAGE=local`` (the default) keeps uploads under ``DJANGO_MEDIA_ROOT``;
    ``s3`` puts them in an S3-compatible bucket that every app host sees, through
    django-storages (``yzgz.storage_s3.S3MediaStorage``). Readers then fetch them from
    ``DJANGO_MEDIA_URL`` (the bucket's public address, or a CDN in front of it), and every
    upload's URL is that address plus its name, unsigned. Raises ``ValueError`` saying what
    is missing, so a half-configured production refuses to start.
    """
    kind = environ.get("DJANGO_MEDIA_STORAGE", "").strip().lower() or "local"
    media_url = environ.get("DJANGO_MEDIA_URL", "").strip() or "/media/"
    if not media_url.endswith("/"):
        media_url += "/"
    if kind == "local":
        return {"BACKEND": "yzgz.storage.MediaStorage"}, media_url
    if kind != "s3":
        raise ValueError(f"DJANGO_MEDIA_STORAGE must be 'local' or 's3', not {kind!r}.")
    public = urlsplit(media_url)
    if public.scheme not in {"http", "https"} or not public.netloc:
        raise ValueError(
            "DJANGO_MEDIA_STORAGE=s3 needs DJANGO_MEDIA_URL, the address readers fetch uploads from "
            "(https://media.example.cn/ or the bucket's public URL)."
        )
    bucket = environ.get("DJANGO_S3_BUCKET", "").strip()
    if not bucket:
        raise ValueError("DJANGO_MEDIA_STORAGE=s3 needs DJANGO_S3_BUCKET.")
    options = {
        "bucket_name": bucket,
        "endpoint_url": environ.get("DJANGO_S3_ENDPOINT_URL", "").strip() or None,
        "region_name": environ.get("DJANGO_S3_REGION", "").strip() or None,
        "addressing_style": environ.get("DJANGO_S3_ADDRESSING_STYLE", "").strip() or None,
        # URLs are DJANGO_MEDIA_URL + name: public, unsigned, the same on every host.
        "custom_domain": public.netloc + public.path.rstrip("/"),
        "url_protocol": public.scheme + ":",
        "querystring_auth": False,
        # Two uploads named avatar.jpg in the same month get two names, as on the disk.
        "file_overwrite": False,
        # What nginx sends for /media/ on the disk (deploy/nginx-site.conf).
        "object_parameters": {"CacheControl": "public, max-age=2592000"},
    }
    # Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, read by boto3 (or the host's role).
    return {"BACKEND": "yzgz.storage_s3.S3MediaStorage", "OPTIONS": options}, media_url
