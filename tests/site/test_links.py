"""``yzgz.links.object_url`` gives exactly what ``reverse`` gives, for every kind of value."""

import pytest
from django.test import override_settings
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix

from yzgz.links import object_url

VALUES = [
    ("news:article-detail", 1),
    ("news:article-detail", 987_654_321_012),
    ("news:source-detail", 7),
    ("news:category-detail", "towns"),
    ("news:category-detail", "禹州新闻"),
    ("news:category-detail", "a b?c#d%e&f+g=h"),
    ("news:publisher-detail", "reporter.1+x@yz"),
    ("news:publisher-detail", "~:;@!$'()*,"),
]


@pytest.mark.parametrize(("name", "value"), VALUES)
def test_same_url_as_reverse(name, value):
    assert object_url(name, value) == reverse(name, args=[value])


@pytest.mark.parametrize(("name", "value"), VALUES)
def test_same_url_under_a_script_prefix(name, value):
    set_script_prefix("/news/")
    try:
        assert object_url(name, value) == reverse(name, args=[value])
        assert object_url(name, value).startswith("/news/")
    finally:
        clear_script_prefix()
    assert not object_url(name, value).startswith("/news/")


@pytest.mark.parametrize("value", ["", "a/b"])
def test_a_value_reverse_refuses_is_refused(value):
    with pytest.raises(NoReverseMatch):
        object_url("news:category-detail", value)


def test_a_different_urlconf_gets_its_own_pattern():
    assert object_url("news:article-detail", 5) == "/article/5/"
    with override_settings(ROOT_URLCONF="tests.data.prefixed_urls"):
        assert object_url("news:article-detail", 5) == "/site/article/5/"
