"""POST data of the admin's article form, shared by the newsroom tests."""

from django.utils import timezone


def article_form(category, **overrides):
    """The add/change form of an article as a reporter fills it in, with ``overrides``."""
    now = timezone.localtime()
    data = {
        "title": "禹州新闻",
        "kind": "article",
        "category": category.pk,
        "source": "",
        "tags": "民生, 交通",
        "summary": "",
        "body": "<p>正文第一段。</p>",
        "status": "published",
        "published_at_0": now.strftime("%Y-%m-%d"),
        "published_at_1": now.strftime("%H:%M:%S"),
        "allow_comments": "on",
        "headline_order": "0",
        # The 图集 inline's management form (no pictures).
        "gallery_pictures-TOTAL_FORMS": "0",
        "gallery_pictures-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data
