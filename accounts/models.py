"""The site's user and bans (小黑屋): residents, reporters (publishers) and staff are all Users."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from news.links import object_url


class User(AbstractUser):
    nickname = models.CharField(
        _("nickname"), max_length=30, blank=True, help_text=_("Shown beside comments instead of the username.")
    )
    avatar = models.ImageField(_("avatar"), upload_to="avatars/%Y/%m/", blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        swappable = "AUTH_USER_MODEL"

    def __str__(self):
        return self.username

    def get_absolute_url(self):
        return object_url("news:publisher-detail", self.username)

    @property
    def display_name(self):
        return self.nickname or self.username

    def active_ban(self):
        """The ban in force now, if any (the one that ends last)."""
        return Ban.objects.active().filter(user=self).order_by(models.F("expires_at").desc(nulls_first=True)).first()


class BanQuerySet(models.QuerySet):
    def active(self):
        """Bans in force: not lifted, and without an end or ending in the future."""
        now = timezone.now()
        return self.filter(lifted_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


class Ban(models.Model):
    """A resident banned from speaking (禁止发言). Ends by itself at ``expires_at``."""

    class Action(models.TextChoices):
        MUTE = "mute", _("Banned from speaking")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="bans"
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices, default=Action.MUTE)
    reason = models.CharField(_("reason"), max_length=200)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True, help_text=_("Empty: never expires."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("banned by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)

    objects = BanQuerySet.as_manager()

    class Meta:
        verbose_name = _("ban")
        verbose_name_plural = _("bans")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "lifted_at", "expires_at"], name="ban_user_active_idx")]

    def __str__(self):
        return f"{self.user} ({self.get_action_display()})"

    @property
    def is_active(self):
        return self.lifted_at is None and (self.expires_at is None or self.expires_at > timezone.now())
