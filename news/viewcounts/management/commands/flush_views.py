"""Write the view counts buffered in Redis to the database (run every few seconds)."""

from django.core.management.base import BaseCommand

from news.viewcounts import viewcount


class Command(BaseCommand):
    help = (
        "Flush buffered views from Redis into Article.view_count and the daily buckets. "
        "Safe to run often and concurrently; a run that dies is finished by the next one."
    )

    def handle(self, *args, verbosity=1, **options):
        if viewcount.redis_client() is None:
            if verbosity:
                self.stdout.write("REDIS_URL is not set: views go straight to the database, nothing to flush.")
            return
        batches, hits = viewcount.flush()
        if verbosity:
            self.stdout.write(f"Flushed {hits} views in {batches} batches.")
