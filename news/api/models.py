"""Residents' API tokens: one per app or device they logged in from, revocable from the profile page.

Only a SHA-256 of the token is stored; the token itself is shown once, in the answer to the
login (``POST /api/v1/auth/token``). ``prefix`` is its first characters, so the profile page
can tell two devices apart.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOKEN_PREFIX = "yz_"  # noqa: S105 - what every token starts with, not a secret


def hash_token(token):
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class ApiToken(models.Model):
    MAX_PER_USER = 20  # a new login beyond this revokes the oldest token
    TOUCH_EVERY = 3600  # seconds: last_used_at is written at most this often

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("token starts with"), max_length=12, editable=False)
    client = models.CharField(_("app or device"), max_length=60, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.prefix}… ({self.client or '-'})"

    @classmethod
    def issue(cls, user, client=""):
        """A new token for ``user``: (the token, its row); the oldest go beyond MAX_PER_USER."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = cls.objects.create(user=user, key_hash=hash_token(token), prefix=token[:10], client=client[:60])
        keep = cls.objects.filter(user=user).order_by("-created_at", "-id").values_list("pk", flat=True)
        cls.objects.filter(user=user).exclude(pk__in=list(keep[: cls.MAX_PER_USER])).delete()
        return token, row

    @classmethod
    def user_for(cls, token):
        """The active user a token belongs to, or None; notes the use at most hourly."""
        if not token or len(token) > 100 or not token.startswith(TOKEN_PREFIX):
            return None, None
        row = cls.objects.select_related("user").filter(key_hash=hash_token(token)).first()
        if row is None or not row.user.is_active:
            return None, None
        now = timezone.now()
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > cls.TOUCH_EVERY:
            cls.objects.filter(pk=row.pk).update(last_used_at=now)
        return row.user, row
