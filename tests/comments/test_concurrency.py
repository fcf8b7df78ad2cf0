"""Concurrent posting, approving and deleting keep the 评论 count exact (PostgreSQL).

Runs on PostgreSQL only (CI sets DATABASE_URL): SQLite serialises all writers, so there
is no race to lose there.
"""

import threading

import pytest
from django.db import connection, connections

from news.articles.factories import make_article, make_user
from news.articles.models import Article, SiteSettings
from news.comments import services
from news.comments.models import Comment, CommentLike, ModerationAction

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs PostgreSQL row locks"),
]


def run_together(jobs):
    barrier = threading.Barrier(len(jobs))
    errors = []

    def wrap(job):
        try:
            barrier.wait()
            job()
        except Exception as exc:  # surfaced in the main thread below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=wrap, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


def test_count_equals_approved_rows_after_concurrent_writes(category):
    assert connection.vendor == "postgresql"
    settings = SiteSettings.current()
    settings.comment_min_interval = 0
    settings.comment_ip_hourly_limit = 0
    settings.save()
    article = make_article(category=category)
    moderator = make_user("concurrent_mod")
    posters = [make_user(f"poster{i}") for i in range(4)]
    pending = Comment.objects.bulk_create(
        Comment(article=article, user=posters[0], body=f"待审{i}", status="pending") for i in range(40)
    )
    approved = Comment.objects.bulk_create(
        Comment(article=article, user=posters[1], body=f"已通过{i}", status="approved") for i in range(40)
    )
    services._recount([article.pk])

    def poster(user):
        def job():
            for i in range(15):
                services.comment_post(article=article, user=user, text=f"{user.username} 的第{i}条评论")

        return job

    def approver(chunk):
        def job():
            for start in range(0, len(chunk), 4):
                ids = [c.pk for c in chunk[start : start + 4]]
                services.comments_moderate(
                    comments=Comment.objects.filter(pk__in=ids), kind=ModerationAction.Kind.APPROVE, by=moderator
                )

        return job

    def deleter(chunk):
        def job():
            for comment in chunk:
                services.comments_delete(comments=Comment.objects.filter(pk=comment.pk), by=moderator)

        return job

    run_together(
        [
            *(poster(user) for user in posters),
            approver(pending[:20]),
            approver(pending[20:]),
            deleter(approved[:15]),
            deleter(pending[30:35]),  # races with the approver of the same rows
        ]
    )
    approved_rows = Comment.objects.filter(article=article, status="approved").count()
    assert Article.objects.get(pk=article.pk).comment_count == approved_rows
    # 40 approved - 15 deleted + 60 posted + 40 approved - 5 deleted (pending or approved when deleted)
    assert approved_rows == 40 - 15 + 60 + 40 - 5


def test_like_count_equals_like_rows_after_a_race_of_likes(category):
    """#21 点赞: residents liking, taking likes back and double-clicking all at once."""
    article = make_article(category=category)
    author = make_user("like_author")
    comment = Comment.objects.create(article=article, user=author, body="被点赞的评论", status="approved")
    likers = [make_user(f"liker{i}") for i in range(12)]

    def once(user):
        return lambda: services.comment_like_toggle(comment=comment, user=user)

    def toggler(user, times):
        def job():
            for _ in range(times):
                services.comment_like_toggle(comment=comment, user=user)

        return job

    # Eight residents like at the same moment; two of them double-click (two requests at once).
    run_together([once(user) for user in likers[:8]] + [once(likers[0]), once(likers[1])])
    comment.refresh_from_db()
    assert comment.like_count == CommentLike.objects.filter(comment=comment).count()
    # Everyone toggles a few times at once (odd counts like, even ones take it back).
    run_together([toggler(user, 3 + i % 2) for i, user in enumerate(likers)])
    comment.refresh_from_db()
    rows = CommentLike.objects.filter(comment=comment).count()
    assert comment.like_count == rows
    assert rows == len({like.user_id for like in CommentLike.objects.filter(comment=comment)})
