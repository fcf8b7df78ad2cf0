"""Keep each article's search document current when the article is saved."""

from django.db.models.signals import post_save

from news.articles.models import Article
from news.search.documents import index_article_on_save

post_save.connect(index_article_on_save, sender=Article, dispatch_uid="search-article-indexed")
