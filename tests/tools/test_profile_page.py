"""``manage.py profile_page``: the split of a page's time, and a clear refusal of a bad path."""

import pytest
from django.core.management import CommandError, call_command

from news.articles.factories import make_article

pytestmark = pytest.mark.django_db


def test_prints_the_split_and_the_call_tree(capsys, category, reporter):
    article = make_article(title="钧瓷文化节", category=category, author=reporter)
    call_command("profile_page", article.get_absolute_url(), requests=3)
    out = capsys.readouterr().out
    first = out.splitlines()[0]
    assert first.startswith(f"{article.get_absolute_url()}: ")
    assert " queries, templates " in first and "the rest" in first
    assert "ArticleDetailView" in out  # the call tree names our view


def test_refuses_a_page_that_is_not_there():
    with pytest.raises(CommandError, match="answered 404"):
        call_command("profile_page", "/article/999999/", requests=1, no_tree=True)
