"""The newsroom: articles, categories, sources and site settings in the Django admin.

Reporters see and change only their own articles; editors (``news.manage_all_articles``)
see and change every article. The rule itself lives in :mod:`news.articles.permissions`.
"""

import re

import taggit.admin
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag

from news.articles import services
from news.articles.admin_articles import ArticleAdmin  # noqa: F401 - registers the article admin
from news.articles.admin_topics import TopicAdmin  # noqa: F401 - registers the topic admin
from news.articles.models import Category, SiteSettings, Source
from yzgz import images

WECHAT_APP_ID = re.compile(r"wx[0-9A-Za-z]{16}")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "parent", "order", "in_nav"]
    list_editable = ["order", "in_nav"]
    list_filter = ["parent", "in_nav"]
    search_fields = ["name", "slug"]
    autocomplete_fields = ["parent"]


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "article_total"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_total=Count("articles")).order_by("name")

    @admin.display(description=_("number of articles"), ordering="article_total")
    def article_total(self, obj):
        return obj.article_total


class SiteSettingsForm(forms.ModelForm):
    def clean_default_share_image(self):
        """A new picture is re-encoded without metadata, like a cover."""
        return images.clean_form_picture(self.cleaned_data.get("default_share_image"))

    def clean_wechat_app_id(self):
        app_id = self.cleaned_data.get("wechat_app_id", "").strip()
        if app_id and not WECHAT_APP_ID.fullmatch(app_id):
            raise forms.ValidationError(
                _("A WeChat AppID is “wx” and 16 letters or digits (公众号 › 设置与开发 › 基本配置)."), code="invalid"
            )
        return app_id


@admin.register(SiteSettings)
class SiteSettingsAdmin(admin.ModelAdmin):
    """One row: the changelist goes straight to it."""

    form = SiteSettingsForm

    fieldsets = [
        (None, {"fields": ["site_name", "slogan"]}),
        (_("Contact"), {"fields": ["hotline", "hotline_hours", "address"]}),
        (
            _("Comments"),
            {
                "fields": [
                    "comment_moderation",
                    "comments_close_after_days",
                    "comment_min_interval",
                    "comment_ip_hourly_limit",
                ]
            },
        ),
        (_("Legal filings"), {"fields": ["icp_number", "police_number", "license_number"]}),
        (_("Footer"), {"fields": ["show_render_stats"]}),
        (_("Sharing"), {"fields": ["default_share_image", "wechat_app_id"]}),
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        settings = SiteSettings.current()
        return redirect(reverse("admin:news_sitesettings_change", args=[settings.pk]))


# --- comments and moderation ------------------------------------------------------------


# --- tags --------------------------------------------------------------------------------
# taggit's own admin lets any staff member merge tags: neither its action nor its merge view
# checks a permission, and a merge re-tags every article. Here it needs the tag change
# permission (editors), like editing a tag does.
admin.site.unregister(Tag)


class MergeTagsForm(forms.Form):
    """taggit's merge form, whose label and help are English literals, in the reader's language."""

    new_tag_name = forms.CharField(
        label=_("new tag name"),
        max_length=100,
        help_text=_("A new or an existing tag: the chosen tags become this one."),
    )


@admin.register(Tag)
class TagAdmin(taggit.admin.TagAdmin):
    @admin.action(description=_("Merge selected tags"), permissions=["change"])
    def render_tag_form(self, request, queryset):
        return super().render_tag_form(request, queryset)

    def merge_tags_view(self, request):
        """The chosen tags become one; taggit's own page and messages are English literals (#20)."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        # taggit reads the chosen tags from the session and fails (500) on none or a deleted one.
        chosen = [i for i in request.session.get("selected_tag_ids", "").split(",") if i.isdigit()]
        if not chosen or Tag.objects.filter(pk__in=chosen).count() != len(set(chosen)):
            messages.error(request, _("Choose the tags to merge in the list first."))
            return redirect(reverse("admin:taggit_tag_changelist"))
        form = MergeTagsForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            tag = services.merge_tags(chosen, into=form.cleaned_data["new_tag_name"])
            request.session.pop("selected_tag_ids", None)
            self.message_user(request, _("The tags were merged into “%(tag)s”.") % {"tag": tag}, messages.SUCCESS)
            return redirect(reverse("admin:taggit_tag_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Merge tags"),
            "tags": Tag.objects.filter(pk__in=chosen).order_by("name"),
            "form": form,
        }
        return TemplateResponse(
            request, "admin/taggit/tag/merge_tags.html", context, status=400 if form.errors else 200
        )
