"""Generate a large, realistic data set for benchmarks: Chinese articles (and their search documents)."""

import random
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape

from news import demo
from news.models import Article, SearchDocument
from news.sanitize import cut_summary, html_to_text
from news.search import document_text

BATCH = 1000


class Command(BaseCommand):
    help = "Add N generated articles (default 20,000) with realistic Chinese titles and bodies."

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=20_000)
        parser.add_argument(
            "--total", action="store_true", help="Treat --articles as the total wanted: add only what is missing."
        )
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, articles=20_000, seed=2026, total=False, verbosity=1, **options):
        if total:
            articles = max(articles - Article.objects.count(), 0)
        rng = random.Random(seed + Article.objects.count())  # noqa: S311 - sample text, not secrets
        users = demo.ensure_users()
        categories = list(demo.ensure_categories().values())
        sources = list(demo.ensure_sources().values())
        authors = [u for u in users.values() if u.groups.filter(name="记者").exists()] or list(users.values())
        now = timezone.now()
        slugs = list(demo.TITLES)
        created = 0
        while created < articles:
            size = min(BATCH, articles - created)
            rows = []
            for _ in range(size):
                slug = rng.choice(slugs)
                values = {
                    "place": rng.choice(demo.PLACES),
                    "n": rng.randint(2, 99),
                    "m": rng.randint(30, 900),
                    "p": rng.randint(60, 99),
                    "year": rng.choice([2024, 2025, 2026]),
                    "month": rng.randint(1, 12),
                    "day": rng.randint(1, 28),
                    "source": rng.choice(sources).name,
                    "date": f"{rng.randint(1, 12)}月{rng.randint(1, 28)}日",
                }
                title = rng.choice(demo.TITLES[slug]).format(**values)
                paragraphs = [
                    "".join(s.format(**values) for s in rng.sample(demo.SENTENCES, 3))
                    for _p in range(rng.randint(3, 8))
                ]
                body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
                rows.append(
                    Article(
                        title=title,
                        body=body,
                        body_html=body,  # no pictures in generated text: nothing to render
                        excerpt=cut_summary(body),
                        category=rng.choice(categories),
                        source=rng.choice(sources),
                        author=rng.choice(authors),
                        status=Article.Status.PUBLISHED,
                        published_at=now - timedelta(minutes=rng.randint(60, 60 * 24 * 730)),
                        view_count=rng.randint(0, 5000),
                    )
                )
            with transaction.atomic():
                made = Article.objects.bulk_create(rows)  # bodies are generated text: already clean
                SearchDocument.objects.bulk_create(
                    SearchDocument(
                        article_id=a.pk,
                        title=document_text(a.title),
                        body=document_text(f"{a.summary} {html_to_text(a.body)}"),
                        status=a.status,
                        published_at=a.published_at,
                    )
                    for a in made
                )
            created += size
            if verbosity:
                self.stdout.write(f"\r  articles {created:,}/{articles:,}", ending="")
                self.stdout.flush()
        if verbosity:
            self.stdout.write("")
            self.stdout.write(self.style.SUCCESS(f"Generated {created:,} articles."))
