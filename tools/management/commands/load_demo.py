"""Load the demo content: the seed article, 66 generated articles, demo staff and residents; print every login."""

from django.core.management.base import BaseCommand
from django.db import transaction

from tools.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load demo content (idempotent): categories, sources, staff accounts and articles."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Show what would be created, then roll back.")

    def handle(self, *args, dry_run=False, verbosity=1, **options):
        with transaction.atomic():
            created, users = load_demo(covers=not dry_run)
            if dry_run:
                transaction.set_rollback(True)
        if verbosity:
            verb = "would be created" if dry_run else "created"
            self.stdout.write(self.style.SUCCESS(f"Demo content loaded: {created} articles {verb}."))
            self.stdout.write(f"Demo logins (password for each: {DEMO_PASSWORD}):")
            for username, user in users.items():
                role = ", ".join(user.groups.values_list("name", flat=True)) or "居民 (resident)"
                where = "http://127.0.0.1:8000/admin/" if user.is_staff else "http://127.0.0.1:8000/accounts/login/"
                self.stdout.write(f"  {username:<11} {role:<16} {where}")
