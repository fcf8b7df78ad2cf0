"""The category tree for the header's 快捷导航 and breadcrumbs, cached between edits."""

from django.core.cache import cache
from django.db import transaction

from news.articles.models import Category

CACHE_KEY = "news:category-tree:v1"


def category_tree():
    """Top-level categories in order, each with ``.subcategories`` (a list)."""
    tree = cache.get(CACHE_KEY)
    if tree is None:
        categories = list(Category.objects.all())
        by_parent = {}
        for category in categories:
            by_parent.setdefault(category.parent_id, []).append(category)
        tree = by_parent.get(None, [])
        for category in tree:
            category.subcategories = by_parent.get(category.pk, [])
        cache.set(CACHE_KEY, tree, 60 * 60)
    return tree


def category_family(slug, tree=None):
    """Ids of the category named ``slug`` and of its sub-categories, as lists and search narrow
    by it; ``()`` when there is no such category."""
    for top in category_tree() if tree is None else tree:
        if top.slug == slug:
            return (top.pk, *(sub.pk for sub in top.subcategories))
        for sub in top.subcategories:
            if sub.slug == slug:
                return (sub.pk,)
    return ()


def forget_category_tree(**kwargs):
    """Drop the cached tree now and again at the commit.

    Category pages list the articles of the categories in the tree, so a stale tree would
    hide a new sub-category's articles: a reader between the save and the commit could
    otherwise cache the old tree for an hour.
    """
    cache.delete(CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))
