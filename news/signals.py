"""Signal receivers that keep cached site data current."""

from django.db.models.signals import post_delete, post_save

from news.models import Article, Category, Reaction, SensitiveWord
from news.navigation import forget_category_tree
from news.rankings import forget_article_on_save
from news.reactions import forget_reactions
from news.search import index_article_on_save
from news.services import forget_sensitive_words

post_save.connect(forget_category_tree, sender=Category, dispatch_uid="news-category-saved")
post_delete.connect(forget_category_tree, sender=Category, dispatch_uid="news-category-deleted")
post_save.connect(forget_sensitive_words, sender=SensitiveWord, dispatch_uid="news-word-saved")
post_delete.connect(forget_sensitive_words, sender=SensitiveWord, dispatch_uid="news-word-deleted")
post_save.connect(forget_reactions, sender=Reaction, dispatch_uid="news-reaction-saved")
post_delete.connect(forget_reactions, sender=Reaction, dispatch_uid="news-reaction-deleted")
post_save.connect(index_article_on_save, sender=Article, dispatch_uid="news-article-indexed")
post_save.connect(forget_article_on_save, sender=Article, dispatch_uid="news-article-lists")
post_delete.connect(forget_article_on_save, sender=Article, dispatch_uid="news-article-lists-deleted")
