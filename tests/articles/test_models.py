"""Articles, categories and sources: the visibility rule and the derived fields."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from news.articles.factories import make_article, make_category
from news.articles.models import Article

pytestmark = pytest.mark.django_db


def test_published_includes_only_published_and_due_articles():
    now = timezone.now()
    visible = make_article(published_at=now - timedelta(seconds=5))
    make_article(status=Article.Status.DRAFT, published_at=now - timedelta(days=1))
    make_article(published_at=now + timedelta(minutes=5))  # scheduled
    assert list(Article.objects.published()) == [visible]


def test_scheduled_article_becomes_public_at_its_time_without_any_job(monkeypatch):
    article = make_article(published_at=timezone.now() + timedelta(hours=1))
    assert not Article.objects.published().filter(pk=article.pk).exists()
    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert Article.objects.published().filter(pk=article.pk).exists()


def test_body_is_sanitised_on_save():
    article = make_article(
        body='<p onclick="x()" style="color:red">好<script>alert(1)</script></p>'
        '<a href="javascript:alert(1)">链接</a><iframe src="https://evil.example"></iframe>'
        '<img src="data:image/png;base64,AAAA" onerror="alert(1)"><h2>小标题</h2>'
    )
    article.refresh_from_db()
    for bad in ("script", "onclick", "style=", "javascript:", "iframe", "onerror", "data:"):
        assert bad not in article.body
    assert "<p>好</p>" in article.body
    assert "<h2>小标题</h2>" in article.body


def test_summary_left_empty_is_cut_from_body_at_120_characters():
    body = "".join(f"<p>{'禹州' * 20}第{i}段。</p>" for i in range(5))
    article = make_article(summary="", body=body)
    assert article.excerpt.endswith("…")
    assert len(article.excerpt) == 121
    assert "<" not in article.excerpt
    assert article.summary == ""


def test_short_body_summary_is_not_marked_as_cut():
    article = make_article(summary="", body="<p>短消息。</p>")
    assert article.excerpt == "短消息。"


def test_editor_summary_wins_over_the_body():
    article = make_article(summary="  编辑写的摘要  ", body="<p>正文</p>")
    assert article.excerpt == "编辑写的摘要"


def test_summary_follows_body_edits():
    article = make_article(summary="", body="<p>第一版</p>")
    article.body = "<p>第二版</p>"
    article.save()
    article.refresh_from_db()
    assert article.excerpt == "第二版"


def test_paragraphs_join_without_a_space_in_chinese_summary():
    article = make_article(summary="", body="<p>共30余人参加。</p><p>此次观摩以社区为重点。</p>")
    assert article.excerpt == "共30余人参加。此次观摩以社区为重点。"


def test_category_tree_is_two_levels_deep():
    top = make_category("乡镇动态", slug="towns")
    child = make_category("神垕镇", slug="shenhou", parent=top)
    grandchild = make_category("老街", slug="old-street", parent=child)
    with pytest.raises(ValidationError) as excinfo:
        grandchild.full_clean()
    assert "parent" in excinfo.value.message_dict


def test_category_with_children_cannot_move_under_another():
    top = make_category(slug="a")
    make_category(slug="b", parent=top)
    other = make_category(slug="c")
    top.parent = other
    with pytest.raises(ValidationError):
        top.full_clean()


def test_previous_and_next_stay_in_category_by_publication_time():
    category = make_category()
    other = make_category()
    now = timezone.now()
    first = make_article(category=category, published_at=now - timedelta(hours=3))
    make_article(category=other, published_at=now - timedelta(hours=2))
    make_article(category=category, published_at=now - timedelta(hours=2), status=Article.Status.DRAFT)
    middle = make_article(category=category, published_at=now - timedelta(hours=2))
    last = make_article(category=category, published_at=now - timedelta(hours=1))
    make_article(category=category, published_at=now + timedelta(hours=1))  # scheduled: not yet
    assert middle.get_neighbours() == (first, last)
    assert first.get_neighbours() == (None, middle)
    assert last.get_neighbours() == (middle, None)
    assert middle.get_neighbours()[0].title == first.title


def test_previous_and_next_break_ties_by_id():
    category = make_category()
    when = timezone.now() - timedelta(hours=1)
    a = make_article(category=category, published_at=when)
    b = make_article(category=category, published_at=when)
    assert b.get_neighbours() == (a, None)
    assert a.get_neighbours() == (None, b)


def test_counters_start_at_zero():
    article = make_article()
    assert (article.view_count, article.comment_count, article.reaction_count) == (0, 0, 0)
