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
