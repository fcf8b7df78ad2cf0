"""The reaction bar's part in members' shared pages (yzgz.pagecache.member_hooks).

The counts are the same for everyone (a reaction moves the page cache's generation); which
button is pressed is the resident's own: cut out of the shared copy, put back per request.
"""

import re

from news.viewcounts import reactions
from news.viewcounts.models import ReactionVote
from yzgz.pagecache import MemberHook

ARTICLE_PAGE = "news:article-detail"
_PRESSED = re.compile(r'(class="reaction" aria-pressed=")true(")')
# A subquery of the one statement per resident's request (yzgz.pagecache; an ORM query costs ten
# times as much to build).
_CHOSEN_SQL = f"SELECT reaction_id FROM {ReactionVote._meta.db_table} WHERE article_id = %s AND visitor = %s LIMIT 1"  # noqa: S608 - our table; values are parameters


class PressedReaction(MemberHook):
    @staticmethod
    def strip(content):
        return _PRESSED.sub(r"\g<1>false\g<2>", content)

    @staticmethod
    def query(request, match, content):
        if match is None or match.view_name != ARTICLE_PAGE or 'class="reaction"' not in content:
            return None
        return _CHOSEN_SQL, [match.kwargs["pk"], reactions.visitor_for(request)]

    @staticmethod
    def put_back(request, match, content, value):
        if value is None:
            return content
        button = f'value="{value}" class="reaction" aria-pressed='
        return content.replace(f'{button}"false"', f'{button}"true"', 1)

    @staticmethod
    def edge_query(request, match):
        if match is None or match.view_name != ARTICLE_PAGE:
            return None
        return _CHOSEN_SQL, [match.kwargs["pk"], reactions.visitor_for(request)]

    @staticmethod
    def edge_parts(request, match, value):
        return [] if value is None else [[f'button.reaction[value="{int(value)}"]', {"aria-pressed": "true"}]]
