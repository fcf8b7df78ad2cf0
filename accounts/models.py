"""The site's user and bans (小黑屋): residents, reporters (publishers) and staff are all Users."""

import unicodedata

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField
from phonenumber_field.phonenumber import PhoneNumber

from yzgz.links import object_url


def normalize_username(value):
    """A username as people type it, made one spelling: NFKC (full-width letters and the
    ideographic space fold to ASCII), then trimmed. Case is kept for display."""
    return unicodedata.normalize("NFKC", str(value or "")).strip()


def username_key(value):
    """What identifies an account: the normalised username, case-insensitively.

    Login, registration and the login throttle all use it, so " Name", "ｎａｍｅ\u3000" and
    "NAME" are one account and one throttle counter, as they were on the old portal.
    """
    return normalize_username(value).lower()


def mask_phone(phone):
    """The national number with its middle four digits hidden, as Chinese sites print it."""
    if not phone:
        return ""
    national = str(getattr(phone, "national_number", "") or phone)
    if len(national) < 7:
        return "*" * len(national)
    return f"{national[:3]}****{national[-4:]}"


class CaseInsensitiveUserManager(UserManager):
    use_in_migrations = False  # migrations keep Django's UserManager: they never import this module

    def get_by_natural_key(self, username):
        # Lower() on both sides uses the unique index on lower(username) (Meta.constraints).
        return self.alias(username_lower=Lower("username")).get(username_lower=Lower(Value(username_key(username))))


class User(AbstractUser):
    nickname = models.CharField(
        _("nickname"), max_length=30, blank=True, help_text=_("Shown beside comments instead of the username.")
    )
    avatar = models.ImageField(_("avatar"), upload_to="avatars/%Y/%m/", blank=True)
    # 实名 (real-name registration) by mobile number: set only once an SMS code proved it
    # (accounts.phone), never shown publicly; moderators see it masked (masked_phone).
    phone = PhoneNumberField(
        _("mobile number"), region="CN", null=True, blank=True, unique=True, help_text=_("Verified by an SMS code.")
    )
    phone_verified_at = models.DateTimeField(_("mobile number verified"), null=True, blank=True)
    last_login_region = models.CharField(_("IP location of the last login"), max_length=20, blank=True)

    objects = CaseInsensitiveUserManager()

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.UniqueConstraint(
                Lower("username"), name="accounts_user_username_ci_unique", violation_error_code="unique"
            ),
        ]

    def __str__(self):
        return self.username

    @classmethod
    def normalize_username(cls, username):
        return normalize_username(username)

    def get_absolute_url(self):
        return object_url("news:publisher-detail", self.username)

    @property
    def display_name(self):
        return self.nickname or self.username

    @property
    def phone_verified(self):
        # Not bool(self.phone) first: PhoneNumber's len() formats the number, and every resident's
        # page view asks this (whether to show the reply forms or "link your phone").
        phone = self.phone
        return self.phone_verified_at is not None and (isinstance(phone, PhoneNumber) or bool(phone))

    @property
    def masked_phone(self):
        """138****1234: what moderators see; empty without a number."""
        return mask_phone(self.phone)

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

    def clean(self):
        # On every save through a form or a service, not only when the ban is created:
        # editing a ban must not move it onto a staff account either.
        if self.user_id is not None and self.user.is_staff:
            raise ValidationError({"user": _("Staff accounts cannot be banned.")}, code="staff")

    @property
    def is_active(self):
        return self.lifted_at is None and (self.expires_at is None or self.expires_at > timezone.now())


def ban_message(ban):
    if ban.expires_at is None:
        until = _("never expires")
    else:
        until = _("until %(time)s") % {"time": timezone.localtime(ban.expires_at).strftime("%Y-%m-%d %H:%M")}
    return _("You are banned from speaking (%(until)s). Reason: %(reason)s") % {"until": until, "reason": ban.reason}
