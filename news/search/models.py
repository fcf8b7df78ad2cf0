"""Search documents: each article's tokens, kept by news.search.documents.signals."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchDocument(models.Model):
    """An article's search tokens (see news.search.documents). On PostgreSQL the migration adds two
    generated, GIN-indexed tsvector columns over these texts: ``title_vector`` and ``vector``."""

    article = models.OneToOneField(
        "news.Article", on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    title = models.TextField(blank=True)
    body = models.TextField(blank=True)
    # Copies of the article's visibility, so PostgreSQL ranks and filters matches without
    # joining the article table; a trigger on news_article keeps them current (migration 0008).
    status = models.CharField(max_length=16, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "news_searchdocument"  # moved from the news app; the table kept its name
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")

    def __str__(self):
        return str(self.article_id)
