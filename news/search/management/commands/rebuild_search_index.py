"""Rebuild every article's search document (after changing the tokeniser)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from news.articles.models import Article
from news.search.documents import index_article


class Command(BaseCommand):
    help = "Rebuild the search documents of all articles."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count the articles, change nothing.")

    def handle(self, *args, dry_run=False, verbosity=1, **options):
        articles = Article.objects.only("id", "title", "summary", "body").order_by("pk")
        total = articles.count()
        if dry_run:
            self.stdout.write(f"Would rebuild {total} search documents.")
            return
        done = 0
        with transaction.atomic():
            for article in articles.iterator(chunk_size=500):
                index_article(article)
                done += 1
                if verbosity and done % 1000 == 0:
                    self.stdout.write(f"  {done}/{total}")
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"Rebuilt {done} search documents."))
