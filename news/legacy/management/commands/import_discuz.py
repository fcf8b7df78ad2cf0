"""``manage.py import_discuz``: the Discuz! X import's arguments; the work is news.legacy.importer."""

from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from news.legacy import discuz
from news.legacy.importer import DiscuzImport, ImportStopped


class Command(BaseCommand):
    help = "Import a Discuz! X3.4/X3.5 portal (articles, comments, members, counts) from its MySQL database."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="source", required=True, help="mysql://user:password@host:port/dbname")
        parser.add_argument("--prefix", default="pre_", help="Table prefix of the Discuz install (default pre_).")
        parser.add_argument("--attachments", help="The old site's data/attachment folder, for covers and body images.")
        parser.add_argument(
            "--since", help="Also re-import article pages and comments written from this date (YYYY-MM-DD[ HH:MM])."
        )
        parser.add_argument(
            "--old-domain",
            action="append",
            default=[],
            dest="old_domains",
            help="A host name of the old site (www.example.cn); repeat for several. Links to it in old "
            "bodies are rewritten like relative ones.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Read and check everything, then write nothing.")
        parser.add_argument("--report", help="File listing failed and fixed rows (default import_discuz-<time>.tsv).")

    def handle(
        self, *args, source, prefix, attachments=None, since=None, dry_run=False, report=None, old_domains=(), **options
    ):
        since = self._parse_since(since)
        attachments = Path(attachments) if attachments else None
        if attachments and not attachments.is_dir():
            raise CommandError(f"The attachment folder {attachments} does not exist.")
        try:
            db = discuz.DiscuzDatabase(source, prefix)
        except discuz.DiscuzError as exc:
            raise CommandError(str(exc)) from exc
        run = DiscuzImport(
            db,
            stdout=self.stdout,
            style=self.style,
            verbosity=options.get("verbosity", 1),
            attachments=attachments,
            since=since,
            dry_run=dry_run,
            old_domains=[self._host(value) for value in old_domains],
        )
        # What the benchmark (tools bench_import_discuz) reads back.
        self.counts, self.timings = run.counts, run.timings
        try:
            run.run(Path(report or f"import_discuz-{timezone.now():%Y%m%d-%H%M%S}.tsv"))
        except ImportStopped as exc:
            raise CommandError(str(exc)) from exc

    def _parse_since(self, value):
        if not value:
            return None
        for pattern in ("%Y-%m-%d %H:%M", "%Y-%m-%d"):
            try:
                moment = datetime.strptime(value.strip(), pattern)
            except ValueError:
                continue
            return int(moment.replace(tzinfo=ZoneInfo(settings.TIME_ZONE)).timestamp())
        raise CommandError(f"--since {value!r} is not a date like 2026-11-28 or 2026-11-28 08:00.")

    @staticmethod
    def _host(value):
        """``www.example.cn`` from ``www.example.cn``, ``http://www.example.cn/`` or ``WWW.Example.CN``."""
        value = value.strip()
        host = urlsplit(value if "://" in value else f"http://{value}").hostname
        if not host:
            raise CommandError(f"--old-domain {value!r} is not a host name like www.example.cn.")
        return host.lower()
