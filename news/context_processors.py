"""Template context shared by every page: site settings and the navigation tree."""

from news.models import SiteSettings
from news.navigation import category_tree


def site(request):
    return {"site": SiteSettings.current(), "nav_categories": category_tree}
