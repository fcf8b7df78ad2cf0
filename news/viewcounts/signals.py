"""Receivers that keep the rankings, 热门 and reaction buttons current."""

from django.db.models.signals import post_delete, post_save

from news.articles.signals import article_changed
from news.viewcounts.models import Reaction
from news.viewcounts.rankings import forget_changed_articles
from news.viewcounts.reactions import forget_reactions
from yzgz import pagecache

article_changed.connect(forget_changed_articles, dispatch_uid="viewcounts-article-lists")
post_save.connect(forget_reactions, sender=Reaction, dispatch_uid="viewcounts-reaction-saved")
post_delete.connect(forget_reactions, sender=Reaction, dispatch_uid="viewcounts-reaction-deleted")
post_save.connect(pagecache.bump_on_commit, sender=Reaction, dispatch_uid="pagecache-Reaction-saved")
post_delete.connect(pagecache.bump_on_commit, sender=Reaction, dispatch_uid="pagecache-Reaction-deleted")
