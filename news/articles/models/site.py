"""Site settings that editors change in the admin: the footer, legal numbers, the stats line."""

from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import models
from django.utils.translation import gettext_lazy as _

from yzgz.images import validate_image_upload

CACHE_KEY = "news:site-settings:v1"


class ModerationMode(models.TextChoices):
    POST_FIRST = "post_first", _("Publish first, review later")
    REVIEW_FIRST = "review_first", _("Hold every comment for review")


class SiteSettings(models.Model):
    """One row (pk=1). Read through :meth:`current`, which caches it."""

    site_name = models.CharField(_("site name"), max_length=50, default="禹州关注")
    slogan = models.CharField(_("slogan"), max_length=100, blank=True, default="禹州关注,一座城市的思考与远见。")
    hotline = models.CharField(_("customer hotline"), max_length=50, blank=True, default="18768801199")
    hotline_hours = models.CharField(_("hotline hours"), max_length=50, blank=True, default="周一至周日:09:00 - 21:00")
    address = models.CharField(_("company address"), max_length=100, blank=True, default="禹州市裕华大街中段")
    icp_number = models.CharField(
        _("ICP filing number"),
        max_length=50,
        blank=True,
        default="豫ICP备19007333号-1",
        help_text=_("Linked to the national filing site beian.miit.gov.cn."),
    )
    police_number = models.CharField(
        _("public security filing number"), max_length=50, blank=True, default="41108102000262"
    )
    license_number = models.CharField(_("operating licence number"), max_length=50, blank=True, default="豫B2-20230773")
    comment_moderation = models.CharField(
        _("comment moderation"),
        max_length=16,
        choices=ModerationMode.choices,
        default=ModerationMode.POST_FIRST,
        help_text=_("Each article can override this."),
    )
    comments_close_after_days = models.PositiveSmallIntegerField(
        _("close comments after (days)"),
        null=True,
        blank=True,
        help_text=_("Days after publication; empty keeps comments open."),
    )
    comment_min_interval = models.PositiveSmallIntegerField(
        _("seconds between two comments of one resident"), default=30
    )
    comment_ip_hourly_limit = models.PositiveSmallIntegerField(_("comments per IP address per hour"), default=30)
    comments_require_phone = models.BooleanField(
        _("verified mobile number required to comment"),
        default=False,
        help_text=_(
            "Real-name registration (后台实名): residents link a mobile number by SMS code before their first "
            "comment. The number is never shown publicly."
        ),
    )
    default_share_image = models.ImageField(
        _("default share picture"),
        upload_to="site/",
        blank=True,
        width_field="default_share_image_width",
        height_field="default_share_image_height",
        validators=[validate_image_upload],
        help_text=_(
            "The picture of share cards (WeChat, Weibo, search engines) for pages and for articles with no "
            "cover and no picture in the body. JPEG or PNG, about 1200 × 630 px."
        ),
    )
    default_share_image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    default_share_image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    wechat_app_id = models.CharField(
        _("WeChat AppID"),
        max_length=32,
        blank=True,
        help_text=_(
            "The AppID of the site's WeChat official account (公众号), for share cards of pages opened inside "
            "WeChat. Its AppSecret is set on the server (WECHAT_APP_SECRET); without both nothing of WeChat's "
            "is loaded. The site's domain must be among the account's JS interface safe domains (JS接口安全域名)."
        ),
    )
    show_render_stats = models.BooleanField(
        _("show render statistics"),
        default=True,
        help_text=_("The footer line with server time, render seconds and query count."),
    )

    class Meta:
        verbose_name = _("site settings")
        verbose_name_plural = _("site settings")

    def __str__(self):
        return str(_("Site settings"))

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)
        cache.delete(CACHE_KEY)

    @classmethod
    def current(cls):
        settings = cache.get(CACHE_KEY)
        if settings is None:
            settings, _created = cls.objects.get_or_create(
                pk=1, defaults={"comments_require_phone": django_settings.COMMENTS_REQUIRE_PHONE_DEFAULT}
            )
            cache.set(CACHE_KEY, settings, 60 * 60)
        return settings
