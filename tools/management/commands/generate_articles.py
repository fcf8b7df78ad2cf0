"""Generate a large, realistic data set for benchmarks: Chinese articles (with their search
documents) and residents' comments and replies, with progress bars."""

import random
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone
from django.utils.html import escape
from tqdm import tqdm

from news.articles.models import Article
from news.articles.sanitize import cut_summary, html_to_text
from news.comments.models import Comment
from news.search.documents import document_text
from news.search.models import SearchDocument
from tools import demo

BATCH = 1000
COMMENT_OPENINGS = ["", "", "", "支持！", "点赞，", "说得好，", "希望", "建议", "请问", "我觉得", "作为老禹州人，"]
COMMENT_PHRASES = [
    "社区的变化大家都看在眼里", "这样的活动接地气、有温度", "希望以后多多举办", "关键是落到实处",
    "家门口的事办得越来越好了", "路修好了出门方便多了", "老人看病不用再跑远路", "钧瓷是咱禹州的名片",
    "孩子上学的问题也请关注一下", "周末带家人去看看", "工作人员辛苦了", "信息很及时，转发给家里人",
    "停车难的问题什么时候能解决", "夜市热闹起来了", "垃圾分类要从自己做起", "志愿者们真不容易",
    "神垕古镇值得一去", "希望公交线路再多一些", "物价稳定老百姓心里踏实", "这个政策对我们小商户很有帮助",
]  # fmt: skip


class Command(BaseCommand):
    help = "Add N generated articles (default 20,000) with realistic Chinese titles and bodies."

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=20_000)
        parser.add_argument(
            "--total", action="store_true", help="Treat --articles as the total wanted: add only what is missing."
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--comments", type=int, default=0, help="Also add comments (a fifth of them replies) from 500 residents."
        )

    def handle(self, *args, articles=20_000, seed=2026, total=False, comments=0, verbosity=1, **options):
        self.make_articles(articles, seed, total, verbosity)
        if comments:
            if total:
                comments = max(comments - Comment.objects.count(), 0)
            self.make_comments(comments, seed, verbosity)

    def make_articles(self, articles, seed, total, verbosity):
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
        progress = tqdm(total=articles, desc="articles", file=self.stdout._out, ascii=True, disable=not verbosity)
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
            progress.update(size)
        progress.close()
        if connection.vendor == "postgresql" and created:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE news_article, news_searchdocument")  # plans for the new size
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"Generated {created:,} articles."))

    def make_comments(self, total, seed, verbosity):
        """Approved comments spread unevenly (a few articles draw most), a fifth of them replies."""
        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import make_password

        rng = random.Random(seed + Comment.objects.count())  # noqa: S311 - sample text, not secrets
        user_model = get_user_model()
        unusable = make_password(None)
        existing = set(user_model.objects.filter(username__startswith="jumin").values_list("username", flat=True))
        user_model.objects.bulk_create(
            [
                user_model(username=f"jumin{i:03d}", nickname=f"禹州居民{i:03d}", password=unusable)
                for i in range(500)
                if f"jumin{i:03d}" not in existing
            ]
        )
        residents = list(user_model.objects.filter(username__startswith="jumin").values_list("pk", flat=True))
        article_ids = list(Article.objects.published().values_list("pk", flat=True))
        weights = [1 / (rank + 10) for rank in range(len(article_ids))]  # long tail: a few hot articles
        rng.shuffle(article_ids)
        progress = tqdm(total=total, desc="comments", file=self.stdout._out, ascii=True, disable=not verbosity)
        made = 0
        recent_top = {}  # article id -> ids of its top-level comments, for replies
        while made < total:
            size = min(BATCH * 5, total - made)
            chosen = rng.choices(article_ids, weights=weights, k=size)
            rows = []
            for article_id in chosen:
                parents = recent_top.get(article_id)
                parent = rng.choice(parents) if parents and rng.random() < 0.2 else None
                text = rng.choice(COMMENT_OPENINGS) + "，".join(rng.sample(COMMENT_PHRASES, rng.randint(1, 3))) + "。"
                rows.append(
                    Comment(
                        article_id=article_id,
                        user_id=rng.choice(residents),
                        parent_id=parent,
                        body=text,
                        status=Comment.Status.APPROVED,
                        ip_address=f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                    )
                )
            with transaction.atomic():
                for comment in Comment.objects.bulk_create(rows):
                    if comment.parent_id is None and comment.pk is not None:
                        recent_top.setdefault(comment.article_id, []).append(comment.pk)
            made += size
            progress.update(size)
        progress.close()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE news_article SET comment_count = (SELECT count(*) FROM news_comment "
                "WHERE news_comment.article_id = news_article.id AND news_comment.status = 'approved')"
            )
            if connection.vendor == "postgresql":
                # Comments come after their article: spread them over the three days after it.
                cursor.execute(
                    "UPDATE news_comment SET created_at = a.published_at + random() * interval '3 days' "
                    "FROM news_article a WHERE a.id = news_comment.article_id"
                )
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            with connection.cursor() as cursor:
                # What autovacuum does on a live site, now: statistics for the planner, and the
                # visibility map that lets counts answer from the index alone.
                cursor.execute("VACUUM (ANALYZE) news_article, news_comment, news_searchdocument, accounts_user")
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"Generated {made:,} comments."))
