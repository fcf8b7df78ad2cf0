"""Download the IP属地 databases: ``manage.py fetch_ip_region_db [--version 2.3.0] [--force]``.

Fetches the npm package ``ip2region`` from the npm registry, checks its integrity hash and
installs ``ip2region.db`` and ``ipv6wry.db`` into ``settings.IP_REGION_DB`` (``var/ip2region/``
by default); nothing happens when that version is already there. The work is in
``yzgz/ipdb_fetch.py``.
"""

from django.core.management.base import BaseCommand, CommandError

from yzgz import iplocation
from yzgz.ipdb_fetch import DEFAULT_VERSION, FetchError, fetch


class Command(BaseCommand):
    help = "Download the ip2region databases (IP属地) from the npm registry into settings.IP_REGION_DB."
    requires_system_checks = []

    def add_base_argument(self, parser, *args, **kwargs):
        # Our --version is the package's; Django's (the Django version) would take the name.
        if "--version" not in args:
            super().add_base_argument(parser, *args, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--version", default=DEFAULT_VERSION, help=f"ip2region version (default {DEFAULT_VERSION})")
        parser.add_argument("--force", action="store_true", help="Download again even if that version is there.")

    def handle(self, *args, version, force, verbosity=1, **options):
        path = iplocation.database_dir()
        try:
            result = fetch(version, path=path, force=force)
        except FetchError as exc:
            raise CommandError(str(exc)) from exc
        iplocation.reset()
        sizes = ", ".join(f"{name} {size:,} bytes" for name, size in result.sizes.items())
        if not result.installed:
            if verbosity:
                self.stdout.write(f"ip2region {version} is already in {path} ({sizes}); --force fetches it again.")
            return
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"Installed ip2region {version} into {path}: {sizes}."))
