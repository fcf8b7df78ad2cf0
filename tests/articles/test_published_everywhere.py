"""What is public is decided once (``Article.objects.published()``) and every page uses it."""

import pytest
from django.urls import reverse
from django.utils import timezone

from news.articles.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("state", ["draft", "review", "scheduled", "withdrawn"])
def test_a_tag_used_only_by_an_article_readers_cannot_see_has_no_page(client, category, reporter, state):
    """A draft's tag would otherwise answer 200 with its name: it tells readers what is coming."""
    when = timezone.now() + timezone.timedelta(days=1) if state == "scheduled" else timezone.now()
    status = "published" if state == "scheduled" else state
    secret = make_article(title="尚未公开", category=category, author=reporter, status=status, published_at=when)
    secret.tags.add("未公开的标签")
    url = reverse("news:tag-detail", args=[secret.tags.get().slug])
    assert client.get(url).status_code == 404
    public = make_article(title="已公开", category=category, author=reporter)
    public.tags.add("未公开的标签")
    response = client.get(url)
    assert response.status_code == 200
    assert "已公开" in response.content.decode()
    assert "尚未公开" not in response.content.decode()


def test_the_article_service_schedules_publishing_for_later(client, category, reporter, editor):
    from news.articles import services
    from news.articles.models import Article

    draft = make_article(title="定时发布的稿件", category=category, author=reporter, status="draft")
    later = timezone.now() + timezone.timedelta(hours=2)
    assert services.schedule([draft.pk], at=later, by=editor) == 1
    draft.refresh_from_db()
    assert (draft.status, draft.published_at) == (Article.Status.PUBLISHED, later)
    assert draft.revisions.count() == 1  # kept like any publication
    assert client.get(draft.get_absolute_url()).status_code == 404  # public from its time on
    Article.objects.filter(pk=draft.pk).update(published_at=timezone.now() - timezone.timedelta(minutes=1))
    assert client.get(draft.get_absolute_url()).status_code == 200
