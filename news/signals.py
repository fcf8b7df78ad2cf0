"""Signal receivers that keep cached site data current."""

from django.db.models.signals import post_delete, post_save
from taggit.models import Tag

from accounts.models import Ban
from news.models import Article, Category, Reaction, SensitiveWord, SiteSettings, Source
from news.navigation import forget_category_tree
from news.rankings import forget_article_on_save
from news.reactions import forget_reactions
from news.search import index_article_on_save
from news.services import forget_sensitive_words
from yzgz import pagecache

post_save.connect(forget_category_tree, sender=Category, dispatch_uid="news-category-saved")
post_delete.connect(forget_category_tree, sender=Category, dispatch_uid="news-category-deleted")
post_save.connect(forget_sensitive_words, sender=SensitiveWord, dispatch_uid="news-word-saved")
post_delete.connect(forget_sensitive_words, sender=SensitiveWord, dispatch_uid="news-word-deleted")
post_save.connect(forget_reactions, sender=Reaction, dispatch_uid="news-reaction-saved")
post_delete.connect(forget_reactions, sender=Reaction, dispatch_uid="news-reaction-deleted")
post_save.connect(index_article_on_save, sender=Article, dispatch_uid="news-article-indexed")
post_save.connect(forget_article_on_save, sender=Article, dispatch_uid="news-article-lists")
# Anything else a cached page shows (see yzgz.pagecache).
for model in (Category, Source, SiteSettings, Reaction, Ban, Tag):
    post_save.connect(pagecache.bump_on_commit, sender=model, dispatch_uid=f"pagecache-{model.__name__}-saved")
    post_delete.connect(pagecache.bump_on_commit, sender=model, dispatch_uid=f"pagecache-{model.__name__}-deleted")
post_delete.connect(forget_article_on_save, sender=Article, dispatch_uid="news-article-lists-deleted")
