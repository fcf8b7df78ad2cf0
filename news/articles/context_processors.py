"""Template context shared by every page: site settings and the navigation tree.

Error pages use this too, so it must not fail: when the database or the cache is down the
page gets the default settings and no navigation instead of a second error.
"""

import logging

from news.articles.models import SiteSettings
from news.articles.navigation import category_tree

logger = logging.getLogger(__name__)


def _safe_tree():
    try:
        return category_tree()
    except Exception:
        logger.warning("category tree unavailable", exc_info=True)
        return []


def site(request):
    try:
        settings = SiteSettings.current()
    except Exception:
        logger.warning("site settings unavailable; using defaults", exc_info=True)
        settings = SiteSettings()
    tree = []

    def nav_categories():
        """The tree, read from the cache once however many times the page loops over it."""
        if not tree:
            tree.extend(_safe_tree())
        return tree

    return {"site": settings, "nav_categories": nav_categories}
