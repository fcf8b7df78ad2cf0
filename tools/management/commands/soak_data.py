"""The database side of ``make soak`` (tools/soak.py): prepare the actors, then check the ledger.

``soak_data setup OUT.json`` creates residents with live sessions (to comment and react) and
residents with passwords (to log in), turns off the per-resident and per-address comment
limits (all soak traffic comes from 127.0.0.1, and the soak measures the servers, not the
limits), and writes what the load generator needs.

``soak_data verify LEDGER.json`` checks that everything the servers acknowledged is in the
database exactly once: each comment (by the unique token in its text), each resident's
last acknowledged reaction, and the views (the article counters grew by exactly the number
of acknowledged beacons, each from a visitor never seen before).
"""

import json
from collections import Counter

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from news.articles.models import Article, SiteSettings
from news.comments.models import Comment
from news.viewcounts import reactions, viewcount
from news.viewcounts.models import ReactionVote

PASSWORD = "soak-password-2026"  # noqa: S105 - throwaway accounts in a throwaway database


class Command(BaseCommand):
    help = "Prepare a soak run (setup) or check its acknowledged writes against the database (verify)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["setup", "verify"])
        parser.add_argument("path")
        parser.add_argument("--residents", type=int, default=64)

    def handle(self, *args, action, path, residents, **options):
        if action == "setup":
            self.setup(path, residents)
        else:
            self.verify(path)

    def setup(self, path, count):
        user_model = get_user_model()
        site = SiteSettings.current()
        site.comment_min_interval = 0
        site.comment_ip_hourly_limit = 0
        site.save()
        articles = list(
            Article.objects.published().filter(allow_comments=True).order_by("-published_at").values("pk", "author_id")
        )[:20]
        if not articles:
            raise CommandError("No published article: load the demo first.")
        hashed = user_model(username="x")
        hashed.set_password(PASSWORD)  # Argon2 once; every soak account shares the hash
        actors = []
        for i in range(count):
            # Verified residents (实名), as production requires before a comment.
            user, _created = user_model.objects.get_or_create(
                username=f"soak{i:03d}",
                defaults={
                    "password": hashed.password,
                    "email": f"soak{i:03d}@example.cn",
                    "phone": f"+861390000{i:04d}",
                    "phone_verified_at": timezone.now(),
                },
            )
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            actors.append({"id": user.pk, "username": user.username, "session": session.session_key})
        reaction_ids = [r.pk for r in reactions.active_reactions()]
        views = dict(Article.objects.filter(pk__in=[a["pk"] for a in articles]).values_list("pk", "view_count"))
        data = {
            "articles": [a["pk"] for a in articles],
            "authors": {str(a["pk"]): a["author_id"] for a in articles},
            "categories": list(
                Article.objects.filter(pk__in=views).values_list("category__slug", flat=True).distinct()
            ),
            "actors": actors,
            "password": PASSWORD,
            "reactions": reaction_ids,
            "views_before": {str(k): v for k, v in views.items()},
        }
        with open(path, "w", encoding="utf-8") as out:
            json.dump(data, out)
        self.stdout.write(f"{len(actors)} residents, {len(articles)} articles")

    def verify(self, path):
        with open(path, encoding="utf-8") as ledger_file:
            ledger = json.load(ledger_file)
        flushed = viewcount.flush()
        problems = []

        # Comments: one row per acknowledged token; none for a token that was refused.
        tokens = ledger["comments"]
        found = Counter()
        for text in Comment.objects.filter(body__contains="soak-").values_list("body", flat=True):
            for word in text.split():
                if word.startswith("soak-"):
                    found[word] += 1
        for token in tokens:
            if found[token] != 1:
                problems.append(f"comment {token}: {found[token]} rows")
        unacknowledged = set(found) - set(tokens)

        # Reactions: each resident's last acknowledged choice, once.
        user_ids = [int(uid) for uid in ledger["reactions"]]
        votes = Counter()
        chosen = {}
        for article_id, user_id, reaction_id in ReactionVote.objects.filter(user_id__in=user_ids).values_list(
            "article_id", "user_id", "reaction_id"
        ):
            votes[(article_id, user_id)] += 1
            chosen[(article_id, user_id)] = reaction_id
        reaction_acks = 0
        for user_id, per_article in ledger["reactions"].items():
            for article_id, reaction_id in per_article.items():
                reaction_acks += 1
                key = (int(article_id), int(user_id))
                if votes[key] != 1 or chosen.get(key) != reaction_id:
                    problems.append(f"reaction {key}: {votes[key]} rows, chose {chosen.get(key)}, acked {reaction_id}")
        for article in Article.objects.filter(pk__in=ledger["articles"]):
            counted = Counter(ReactionVote.objects.filter(article=article).values_list("reaction_id", flat=True))
            stored = {int(k): v for k, v in (article.reaction_counts or {}).items() if v}
            if stored != dict(counted):
                problems.append(f"article {article.pk} reaction counts {stored} != votes {dict(counted)}")

        # Views: the counters grew by exactly the acknowledged beacons.
        before = {int(k): v for k, v in ledger["views_before"].items()}
        after = dict(Article.objects.filter(pk__in=before).values_list("pk", "view_count"))
        view_acks = 0
        for article_id, acked in ledger["views"].items():
            view_acks += acked
            grown = after[int(article_id)] - before[int(article_id)]
            if grown != acked:
                problems.append(f"article {article_id}: {grown} views counted, {acked} acknowledged")

        result = {
            "comments_acknowledged": len(tokens),
            "comments_unacknowledged_but_saved": len(unacknowledged),
            "reactions_acknowledged": reaction_acks,
            "views_acknowledged": view_acks,
            "views_flushed_at_verify": flushed[1],
            "problems": problems,
        }
        self.stdout.write("RESULT " + json.dumps(result))
        if problems:
            raise CommandError(f"{len(problems)} acknowledged writes are missing or doubled")
