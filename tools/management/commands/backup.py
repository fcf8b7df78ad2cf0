"""Back up the database and the uploads into one directory: ``manage.py backup [--to DIR]``.

* PostgreSQL: ``pg_dump --format=custom`` (restored with ``pg_restore``, any size, consistent
  while the site runs). SQLite: the sqlite3 online backup API.
* Uploads: ``media.tar.gz`` of every file in the uploads' storage (covers, body images,
  avatars, renditions), read through Django's storage API: ``MEDIA_ROOT`` on the disk, or the
  bucket with ``DJANGO_MEDIA_STORAGE=s3``.
* ``manifest.json``: when, which database engine, and how many articles, comments and users
  were in it, so ``restore`` can check it reproduced them.

``manage.py restore DIR`` puts a backup back (see that command). ``make backup`` and
``make restore FROM=DIR`` call them.
"""

import io
import json
import os
import sqlite3
import subprocess
import tarfile
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from news.articles.models import Article
from news.comments.models import Comment


def pg_env():
    """libpq environment for the default database (the password never goes on a command line)."""
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        PGHOST=str(db.get("HOST") or "127.0.0.1"),
        PGPORT=str(db.get("PORT") or 5432),
        PGUSER=str(db.get("USER") or "postgres"),
        PGDATABASE=str(db["NAME"]),
    )
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def stored_names(storage, directory=""):
    """Every file name in ``storage`` under ``directory``, depth first (the disk or a bucket alike)."""
    try:
        directories, files = storage.listdir(directory)
    except FileNotFoundError:  # no upload yet: MEDIA_ROOT does not exist
        return
    for name in sorted(files):
        yield str(PurePosixPath(directory, name))
    for name in sorted(directories):
        yield from stored_names(storage, str(PurePosixPath(directory, name)))


def archive_uploads(storage, path):
    """Write every upload in ``storage`` to the tar.gz ``path`` under ``media/``; returns how many."""
    count = 0
    with tarfile.open(path, "w:gz") as archive:
        for name in stored_names(storage):
            with storage.open(name, "rb") as upload:
                data = upload.read()
            info = tarfile.TarInfo(f"media/{name}")
            info.size = len(data)
            try:
                info.mtime = int(storage.get_modified_time(name).timestamp())
            except (NotImplementedError, OSError):
                info.mtime = int(timezone.now().timestamp())
            archive.addfile(info, io.BytesIO(data))
            count += 1
    return count


def figures():
    return {
        "articles": Article.objects.count(),
        "comments": Comment.objects.count(),
        "users": get_user_model().objects.count(),
    }


class Command(BaseCommand):
    help = "Back up the database (pg_dump or SQLite's backup API) and the uploads into one directory."

    def add_arguments(self, parser):
        parser.add_argument("--to", default="", help="Directory to create (default: backups/yzgz-<time>).")

    def handle(self, *args, to="", verbosity=1, **options):
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        target = Path(to or Path(settings.BASE_DIR) / "backups" / f"yzgz-{stamp}")
        if target.exists() and any(target.iterdir()):
            raise CommandError(f"{target} exists and is not empty.")
        target.mkdir(parents=True, exist_ok=True)
        vendor = connection.vendor
        if vendor == "postgresql":
            result = subprocess.run(  # noqa: S603 - pg_dump with our own settings
                ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target / "db.dump")],  # noqa: S607 - pg_dump from PATH, documented
                env=pg_env(),
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode:
                raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
        elif vendor == "sqlite":
            source = sqlite3.connect(connection.settings_dict["NAME"])
            copy = sqlite3.connect(target / "db.sqlite3")
            with copy:
                source.backup(copy)
            source.close()
            copy.close()
        else:
            raise CommandError(f"backups of {vendor} databases are not supported")
        uploads = archive_uploads(default_storage, target / "media.tar.gz")
        manifest = {"created": timezone.now().isoformat(), "database": vendor, "uploads": uploads, **figures()}
        (target / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Backed up {manifest['articles']} articles, {manifest['comments']} comments and "
                    f"{manifest['users']} users with {uploads} uploads to {target}"
                )
            )
