"""The site's user: residents, reporters (publishers) and staff are all Users."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    nickname = models.CharField(
        _("nickname"), max_length=30, blank=True, help_text=_("Shown beside comments instead of the username.")
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        swappable = "AUTH_USER_MODEL"

    def __str__(self):
        return self.username

    def get_absolute_url(self):
        return reverse("news:publisher-detail", args=[self.username])

    @property
    def display_name(self):
        return self.nickname or self.username
