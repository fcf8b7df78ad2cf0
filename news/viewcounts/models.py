"""View counts per day, reactions (表态) and the bookkeeping of buffered view flushes."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ArticleDailyViews(models.Model):
    """Views of one article on one day (Asia/Shanghai): the rankings and charts read these."""

    article = models.ForeignKey("news.Article", on_delete=models.CASCADE, related_name="daily_views")
    day = models.DateField(_("day"))
    views = models.PositiveIntegerField(_("views"), default=0)

    class Meta:
        db_table = "news_articledailyviews"  # moved from the news app; the table kept its name
        verbose_name = _("daily views")
        verbose_name_plural = _("daily views")
        constraints = [models.UniqueConstraint(fields=["article", "day"], name="daily_views_once_per_day")]
        indexes = [models.Index(fields=["day", "article"], name="daily_views_day_idx")]

    def __str__(self):
        return f"{self.article_id} {self.day}: {self.views}"


class ViewFlushBatch(models.Model):
    """A batch of buffered views already written; makes a re-run after a crash a no-op."""

    batch_id = models.CharField(max_length=64, unique=True)
    hits = models.PositiveIntegerField(default=0)
    flushed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "news_viewflushbatch"  # moved from the news app; the table kept its name
        verbose_name = _("view flush batch")
        verbose_name_plural = _("view flush batches")

    def __str__(self):
        return self.batch_id


class Reaction(models.Model):
    """One button of the reaction bar. Counts are kept by reaction id, never by position."""

    name = models.CharField(_("name"), max_length=10, unique=True)
    icon = models.CharField(_("icon"), max_length=8, help_text=_("An emoji shown on the button."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("shown"), default=True)

    class Meta:
        db_table = "news_reaction"  # moved from the news app; the table kept its name
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")
        ordering = ["order", "id"]

    def __str__(self):
        return self.name


class ReactionVote(models.Model):
    """One visitor's reaction to one article. ``visitor`` is a hash, never a raw session key."""

    article = models.ForeignKey("news.Article", on_delete=models.CASCADE, related_name="reaction_votes")
    reaction = models.ForeignKey(Reaction, on_delete=models.CASCADE, related_name="votes")
    visitor = models.CharField(max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "news_reactionvote"  # moved from the news app; the table kept its name
        verbose_name = _("reaction vote")
        verbose_name_plural = _("reaction votes")
        constraints = [models.UniqueConstraint(fields=["article", "visitor"], name="one_reaction_per_visitor")]

    def __str__(self):
        return f"{self.visitor[:8]} {self.reaction}"
