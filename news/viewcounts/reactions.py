"""The reaction bar (表态): one reaction per visitor per article, counted by reaction.

Counts live on the article row (``reaction_counts``, keyed by reaction id, and the total
``reaction_count``). Each vote is recounted from the vote rows while the article row is
locked, so concurrent votes cannot lose or double an update, and renaming or reordering
reactions in the admin never moves a count to another button.

Who a visitor is: a logged-in reader is their account, on every device. Anyone else is a
salted hash of their IP address and user agent, as for view counts — never a session, so a
client that drops its cookies is still one visitor, and an anonymous vote writes no session
row. Readers who change user agent for each vote hit the cap on anonymous votes per address
per article. Anonymous pages are shared by the page caches, so the server never marks an
anonymous reader's choice: site.js keeps it in the browser (localStorage) and marks it, and
a vote without JavaScript says what was chosen in a message on the next page.
"""

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from news.articles.models import Article
from news.viewcounts.models import Reaction, ReactionVote
from yzgz import counters, pagecache
from yzgz.net import client_ip

# The old portal's five reactions, in its order (used by the data migration and tests).
DEFAULT_REACTIONS = [("路过", "🚶"), ("雷人", "😱"), ("握手", "🤝"), ("鲜花", "💐"), ("鸡蛋", "🥚")]
CACHE_KEY = "news:reactions:v1"
RATE_LIMIT = 10  # votes per visitor per minute
# Anonymous votes per IP address per article per hour: room for a household, an office or a
# carrier's shared address, not for stuffing the counts by changing the user agent.
ADDRESS_HOURLY_LIMIT = 30


class ReactionRefused(Exception):
    def __init__(self, message, status=400, code="reaction_refused"):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


def create_default_reactions(reaction_model=Reaction):
    for order, (name, icon) in enumerate(DEFAULT_REACTIONS):
        reaction_model.objects.get_or_create(name=name, defaults={"icon": icon, "order": order * 10})


def active_reactions():
    """The buttons to show, in order; cached until a reaction is edited."""
    reactions = cache.get(CACHE_KEY)
    if reactions is None:
        reactions = list(Reaction.objects.filter(is_active=True))
        cache.set(CACHE_KEY, reactions, 60 * 60)
    return reactions


def forget_reactions(**kwargs):
    cache.delete(CACHE_KEY)


def account_visitor(user):
    """The visitor a logged-in reader is, on every device and through the API alike."""
    return counters.visitor_hash(f"u:{user.pk}")


def visitor_for(request):
    """A logged-in reader is their account; anyone else is their IP address and user agent (hashed)."""
    if request.user.is_authenticated:
        return account_visitor(request.user)
    return counters.visitor_hash(f"a:{client_ip(request) or ''}|{request.headers.get('User-Agent', '')}")


def existing_visitor_for(request):
    """The visitor whose choice the page may show: logged-in readers only (anonymous pages are shared)."""
    return visitor_for(request) if request.user.is_authenticated else None


def bar(article, chosen_id=None):
    """[(reaction, count, chosen)] for the template, from the counts on the article row."""
    counts = article.reaction_counts or {}
    return [(r, counts.get(str(r.pk), 0), r.pk == chosen_id) for r in active_reactions()]


def recount(article):
    """Store an article's counts by reaction id, counted from its votes; returns them."""
    counts = {
        str(reaction): n
        for reaction, n in ReactionVote.objects.filter(article=article)
        .values_list("reaction")
        .annotate(n=Count("pk"))
        .values_list("reaction", "n")
    }
    Article.objects.filter(pk=article.pk).update(reaction_counts=counts, reaction_count=sum(counts.values()))
    return counts


def react(*, article, reaction_id, visitor, user=None, ip_address=None):
    """Record or move a visitor's reaction; returns (counts by reaction id, chosen reaction id).

    ``ip_address`` is given for anonymous visitors: their votes on one article are capped
    per address (:data:`ADDRESS_HOURLY_LIMIT`).
    """
    logged_in = user is not None and user.is_authenticated
    if logged_in and article.author_id == user.pk:
        raise ReactionRefused(_("You cannot react to your own article."), status=403, code="own_article")
    try:
        reaction_id = int(reaction_id)
    except (TypeError, ValueError) as exc:
        raise ReactionRefused(_("Unknown reaction."), code="unknown_reaction") from exc
    if reaction_id not in {r.pk for r in active_reactions()}:
        raise ReactionRefused(_("Unknown reaction."), code="unknown_reaction")
    if counters.hit(f"reactions:rate:{visitor}", 60) > RATE_LIMIT:
        raise ReactionRefused(
            _("Too many reactions in a minute. Please slow down."), status=429, code="reaction_too_fast"
        )
    if not logged_in and ip_address:
        address = counters.visitor_hash(f"ip:{ip_address}")
        if counters.hit(f"reactions:address:{address}:{article.pk}", 3600) > ADDRESS_HOURLY_LIMIT:
            raise ReactionRefused(
                _("Too many reactions to this article from your network. Please try again later."),
                status=429,
                code="network_limit",
            )
    with transaction.atomic():
        list(Article.objects.select_for_update().filter(pk=article.pk).values_list("pk"))
        vote = ReactionVote.objects.filter(article=article, visitor=visitor).first()
        if vote is None:
            ReactionVote.objects.create(
                article=article,
                reaction_id=reaction_id,
                visitor=visitor,
                user=user if logged_in else None,
            )
        elif vote.reaction_id != reaction_id:
            vote.reaction_id = reaction_id
            vote.save(update_fields=["reaction", "created_at"])
        counts = recount(article)
        pagecache.bump_on_commit()
    return counts, reaction_id
