"""``{% article_reactions %}`` (the 表态 bar under an article) and ``{% hot_articles %}`` (热门).

The article and list pages (news.articles) compose these through their templates; they
never import this app.
"""

from django import template

from news.viewcounts import rankings, reactions
from news.viewcounts.models import ReactionVote

register = template.Library()


@register.simple_tag
def hot_articles():
    """热门: the most viewed articles of the last seven days (cached)."""
    return rankings.hot_articles()


@register.simple_tag(takes_context=True)
def article_reactions(context):
    """The reaction buttons with their counts, the visitor's own choice pressed.

    A refused reaction comes back in ``reaction_error``.
    """
    article, request = context["article"], context["request"]
    visitor = reactions.existing_visitor_for(request)
    chosen = (
        ReactionVote.objects.filter(article=article, visitor=visitor).values_list("reaction_id", flat=True).first()
        if visitor
        else None
    )
    section = {"reactions": reactions.bar(article, chosen), "reaction_error": context.get("reaction_error", "")}
    with context.push(**section):
        return context.template.engine.get_template("viewcounts/reactions.html").render(context)
