"""Restore a backup made by ``manage.py backup`` into an empty database: ``manage.py restore DIR``.

The database named by ``DATABASE_URL`` must be empty (a new ``createdb``, or a new SQLite
file): restoring over a live site is refused, so a mistyped command cannot destroy it. The
uploads are written through Django's storage API, into ``MEDIA_ROOT`` or the bucket with
``DJANGO_MEDIA_STORAGE=s3`` (existing files are kept unless the backup has them too).
Afterwards the article, comment and user counts are compared with the backup's manifest, and
the command fails if they differ.
"""

import json
import sqlite3
import subprocess
import tarfile
from pathlib import Path, PurePosixPath

from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from tools.management.commands.backup import figures, pg_env


def restore_uploads(storage, archive_path):
    """Write the uploads of a backup's tar.gz into ``storage`` under their own names; returns how many.

    Only regular files under ``media/`` are read, never a path that climbs out of it.
    """
    count = 0
    with tarfile.open(archive_path, "r:gz") as archive:
        for member in archive.getmembers():
            parts = PurePosixPath(member.name).parts
            if len(parts) < 2 or parts[0] != "media" or ".." in parts or not member.isfile():
                continue
            name = "/".join(parts[1:])
            if storage.exists(name):
                storage.delete(name)  # the backup's copy wins, under the same name
            with archive.extractfile(member) as data:
                saved = storage.save(name, File(data, name=parts[-1]))
            if saved != name:
                raise CommandError(f"The upload {name} was stored as {saved}.")
            count += 1
    return count


class Command(BaseCommand):
    help = "Restore a backup directory (database and uploads) into an empty database."

    def add_arguments(self, parser):
        parser.add_argument("source", help="A directory made by `manage.py backup`.")

    def handle(self, *args, source, verbosity=1, **options):
        source = Path(source)
        manifest_file = source / "manifest.json"
        if not manifest_file.is_file():
            raise CommandError(f"{source} is not a backup (no manifest.json).")
        manifest = json.loads(manifest_file.read_text())
        vendor = connection.vendor
        if manifest["database"] != vendor:
            raise CommandError(f"The backup is of a {manifest['database']} database; this one is {vendor}.")
        if connection.introspection.table_names():
            raise CommandError("The database is not empty: restore only into a new, empty database.")
        if vendor == "postgresql":
            env = pg_env()
            command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--dbname", env["PGDATABASE"]]
            result = subprocess.run(  # noqa: S603 - pg_restore with our own settings
                [*command, str(source / "db.dump")],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode:
                raise CommandError(f"pg_restore failed: {result.stderr.strip()}")
        else:
            connection.close()
            backup = sqlite3.connect(source / "db.sqlite3")
            target = sqlite3.connect(connection.settings_dict["NAME"])
            with target:
                backup.backup(target)
            backup.close()
            target.close()
        restore_uploads(default_storage, source / "media.tar.gz")
        connection.close()  # see the restored tables, not a cached empty schema
        found = figures()
        expected = {key: manifest[key] for key in found}
        if found != expected:
            raise CommandError(f"The restored database has {found}; the backup had {expected}.")
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Restored {found['articles']} articles, {found['comments']} comments and "
                    f"{found['users']} users, and the uploads, from {source}"
                )
            )
