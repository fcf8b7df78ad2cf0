"""收藏's part in members' shared pages (yzgz.pagecache.member_hooks).

Whether this resident keeps the article is theirs alone: the shared copy always says 收藏 and
each request puts the resident's state back (a subquery of the one statement the page
cache runs for all hooks).
"""

from news.engagement import services
from news.engagement.models import Favourite
from yzgz.pagecache import MemberHook

ARTICLE_PAGE = "news:article-detail"
OFF = 'class="favourite" aria-pressed="false" name="favourite" value="on"'
ON = 'class="favourite" aria-pressed="true" name="favourite" value="off"'
_KEPT_SQL = f"SELECT 1 FROM {Favourite._meta.db_table} WHERE user_id = %s AND article_id = %s LIMIT 1"  # noqa: S608 - our table; values are parameters


class FavouriteState(MemberHook):
    @staticmethod
    def strip(content):
        return content.replace(ON, OFF, 1)

    @staticmethod
    def query(request, match, content):
        if match is None or match.view_name != ARTICLE_PAGE or OFF not in content:
            return None
        return _KEPT_SQL, [request.user.pk, match.kwargs["pk"]]

    @staticmethod
    def put_back(request, match, content, value):
        return content.replace(OFF, ON, 1) if value is not None else content

    @staticmethod
    def edge_query(request, match):
        if match is None or match.view_name != ARTICLE_PAGE:
            return None
        return _KEPT_SQL, [request.user.pk, match.kwargs["pk"]]

    @staticmethod
    def edge_parts(request, match, value):
        return [] if value is None else [["button.favourite", {"aria-pressed": "true", "value": "off"}]]


def bell_keys(user_id):
    """The user menu shows the bell's count (yzgz.pagecache.menu_keys): its cache key."""
    return [services.unread_key(user_id)]
