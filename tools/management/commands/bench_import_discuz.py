"""Benchmark ``import_discuz``: build a generated Discuz! portal in MySQL, import it, print rows per second.

The old portal is made in a throwaway database on the MySQL/MariaDB server given by
``--server`` (dropped afterwards): members, categories, multi-page articles with counts and
reactions, and comments. It is imported twice (the second run should find everything
unchanged), and what the import wrote is deleted again unless ``--keep``. The peak memory
of this process is shown so a flat-memory import can be checked at different sizes.
"""

import json
import os
import random
import resource
import tempfile
import time
from pathlib import Path

import pymysql
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from news.articles.models import Article, Category
from news.comments.models import Comment
from news.legacy import discuz, discuz_schema
from news.legacy.management.commands.import_discuz import Command as ImportCommand
from news.legacy.models import LegacyId
from news.search.models import SearchDocument
from news.viewcounts.models import ReactionVote
from tools.demo import PLACES, SENTENCES

BATCH = 5000
START = 1_500_000_000  # 2017-07-14, unix seconds


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Command(BaseCommand):
    help = "Generate a Discuz! portal in MySQL, import it with import_discuz and print rows per second."

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=5000)
        parser.add_argument("--comments", type=int, default=50000)
        parser.add_argument("--members", type=int, default=2000)
        parser.add_argument("--server", default="mysql://root@127.0.0.1:3306/", help="MySQL server (no database).")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--keep", action="store_true", help="Keep the imported rows in our database.")
        parser.add_argument("--json", dest="json_path", help="Also write the figures to this file.")

    def handle(self, *args, articles, comments, members, server, seed, keep, json_path=None, **options):
        if LegacyId.objects.exists():
            raise CommandError("This database already holds an imported portal: run the benchmark on a scratch one.")
        params = discuz.parse_url(server.rstrip("/") + "/mysql")
        params.pop("database")
        try:
            admin = pymysql.connect(**params, charset="utf8mb4", autocommit=True, connect_timeout=5)
        except pymysql.MySQLError as exc:
            raise CommandError(f"No MySQL server at {params['host']}:{params['port']}: {exc.args[-1]}") from exc
        name = f"yzgz_discuz_bench_{os.getpid()}"
        rng = random.Random(seed)  # noqa: S311 - generated text, not secrets
        try:
            discuz_schema.create_database(admin, name)
            started = time.perf_counter()
            self.generate(admin, rng, articles, comments, members)
            self.stdout.write(f"Generated the old portal in {time.perf_counter() - started:.1f} s.")
            url = server.rstrip("/") + f"/{name}"
            results = [self.run_import(url, "first import"), self.run_import(url, "second import (no change)")]
        finally:
            discuz_schema.drop_database(admin, name)
            admin.close()
            if not keep:
                self.cleanup()
        self.table(results)
        if json_path:
            Path(json_path).parent.mkdir(parents=True, exist_ok=True)
            Path(json_path).write_text(json.dumps(results, indent=2))

    def generate(self, conn, rng, articles, comments, members):
        with conn.cursor() as cursor:
            discuz_schema.insert(
                cursor,
                "portal_category",
                [
                    {"catid": i, "upid": 0 if i <= 4 else rng.randint(1, 4), "catname": f"栏目{i}-{os.getpid()}",
                     "displayorder": i, "description": "", "seotitle": "", "keyword": "",
                     "foldername": f"bench{i}-{os.getpid()}"}
                    for i in range(1, 13)
                ],
            )  # fmt: skip
            discuz_schema.insert(
                cursor,
                "home_click",
                [
                    {"clickid": i + 1, "name": n, "icon": "", "idtype": "aid", "available": 1, "displayorder": i}
                    for i, n in enumerate(discuz.DEFAULT_CLICKS)
                ],
            )
            for start in range(1, members + 1, BATCH):
                uids = range(start, min(start + BATCH, members + 1))
                discuz_schema.insert(
                    cursor,
                    "common_member",
                    [{"uid": u, "username": f"bench{os.getpid()}_{u}", "email": f"m{u}@example.cn",
                      "regdate": START + u, "groupid": 4 if u % 97 == 0 else 10} for u in uids],
                )  # fmt: skip
                discuz_schema.insert(
                    cursor,
                    "ucenter_members",
                    [{"uid": u, "username": f"bench{os.getpid()}_{u}", "password": "0" * 32, "salt": "abcdef"}
                     for u in uids],
                )  # fmt: skip
            for start in range(1, articles + 1, BATCH):
                aids = range(start, min(start + BATCH, articles + 1))
                titles, pages, counts = [], [], []
                for aid in aids:
                    place = rng.choice(PLACES)
                    titles.append(
                        {"aid": aid, "catid": rng.randint(1, 12), "uid": rng.randint(1, members), "username": "",
                         "title": f"{place}第{aid}期新闻", "summary": "", "dateline": START + aid * 60,
                         "status": 0 if aid % 50 else 1, "allowcomment": 1, "preaid": 0, "nextaid": 0,
                         "from": f"{place}工作站", "fromurl": "", "contents": 2,
                         **{f"click{i}": rng.randint(0, 5) for i in range(1, 6)}}
                    )  # fmt: skip
                    for order in (1, 2):
                        text = "".join(
                            "<p>" + "".join(rng.sample(SENTENCES, 3)).format_map(_Blank()) + "</p>" for _ in range(3)
                        )
                        pages.append({"aid": aid, "title": "", "content": text, "pageorder": order, "dateline": 0})
                    counts.append({"aid": aid, "catid": 0, "viewnum": rng.randint(0, 5000)})
                discuz_schema.insert(cursor, "portal_article_title", titles)
                discuz_schema.insert(cursor, "portal_article_content", pages)
                discuz_schema.insert(cursor, "portal_article_count", counts)
            for start in range(1, comments + 1, BATCH):
                discuz_schema.insert(
                    cursor,
                    "portal_comment",
                    [{"cid": c, "uid": rng.randint(1, members), "username": "", "id": rng.randint(1, articles),
                      "idtype": "aid", "postip": "10.0.0.1", "dateline": START + c, "status": 0 if c % 20 else 1,
                      "message": "说得好，支持！<br />希望多多举办"}
                     for c in range(start, min(start + BATCH, comments + 1))],
                )  # fmt: skip

    def run_import(self, url, label):
        command = ImportCommand()
        with tempfile.TemporaryDirectory() as folder:
            call_command(command, "--from", url, "--report", f"{folder}/report.tsv", verbosity=0)
        rows = {table: sum(n for key, n in command.counts.items() if len(key) == 2 and key[0] == table)
                for table in ("member", "article", "comment")}  # fmt: skip
        return {
            "run": label,
            "database": connection.vendor,
            **{
                table: {
                    "rows": rows[table],
                    "seconds": round(command.timings[table], 2),
                    "rows_per_second": round(rows[table] / max(command.timings[table], 1e-9)),
                }
                for table in rows
            },
            "peak_rss_mb": round(peak_rss_mb()),
        }

    def table(self, results):
        self.stdout.write(f"\nimport_discuz on {connection.vendor}")
        self.stdout.write(f"{'run':28}{'table':>9}{'rows':>10}{'seconds':>10}{'rows/s':>10}{'peak MB':>10}")
        for result in results:
            for table in ("member", "article", "comment"):
                figures = result[table]
                self.stdout.write(
                    f"{result['run']:28}{table:>9}{figures['rows']:>10,}{figures['seconds']:>10.1f}"
                    f"{figures['rows_per_second']:>10,}{result['peak_rss_mb']:>10,}"
                )

    def cleanup(self):
        """Remove what the import wrote (by the mapping table), so other benchmarks see the same data."""
        user_ids = [int(i) for i in LegacyId.objects.filter(kind="member").values_list("new_id", flat=True)]
        article_ids = [int(i) for i in LegacyId.objects.filter(kind="article").values_list("new_id", flat=True)]
        category_ids = [int(i) for i in LegacyId.objects.filter(kind="category").values_list("new_id", flat=True)]
        for start in range(0, len(article_ids), BATCH):
            chunk = article_ids[start : start + BATCH]
            Comment.objects.filter(article_id__in=chunk).delete()
            ReactionVote.objects.filter(article_id__in=chunk).delete()
            SearchDocument.objects.filter(article_id__in=chunk).delete()
            Article.objects.filter(pk__in=chunk).delete()
        Category.objects.filter(pk__in=category_ids, parent__isnull=False).delete()
        Category.objects.filter(pk__in=category_ids).delete()
        for start in range(0, len(user_ids), BATCH):
            get_user_model().objects.filter(pk__in=user_ids[start : start + BATCH]).delete()
        LegacyId.objects.all().delete()


class _Blank(dict):
    """Fills the demo sentences' placeholders ({place}, {n} …) with something plausible."""

    def __missing__(self, key):
        return {"place": "禹州", "source": "禹州融媒"}.get(key, "12")
