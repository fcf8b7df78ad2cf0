"""The newsroom: articles, categories, sources and site settings in the Django admin.

Reporters see and change only their own articles; editors (``news.manage_all_articles``)
see and change every article. The rule itself lives in :mod:`news.permissions`.
"""

from django.contrib import admin, messages
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from taggit.forms import TagWidget
from taggit.managers import TaggableManager
from taggit.models import Tag

from news.models import Article, Category, SiteSettings, Source
from news.permissions import can_edit_article, can_manage_all_articles


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
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_total=Count("articles")).order_by("name")

    @admin.display(description=_("number of articles"), ordering="article_total")
    def article_total(self, obj):
        return obj.article_total


class StatusFilter(admin.SimpleListFilter):
    """Status as a reader sees it: draft, scheduled or published."""

    title = _("status")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("draft", _("Draft")), ("scheduled", _("Scheduled")), ("published", _("Published"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "draft":
            return queryset.filter(status=Article.Status.DRAFT)
        if self.value() == "scheduled":
            return queryset.filter(status=Article.Status.PUBLISHED, published_at__gt=now)
        if self.value() == "published":
            return queryset.published()
        return queryset


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "state",
        "published_at",
        "category",
        "author",
        "view_count",
        "comment_count",
        "is_featured",
    ]
    list_display_links = ["title"]
    list_filter = [StatusFilter, "category", "published_at", "is_featured"]
    list_select_related = ["category", "author"]
    search_fields = ["title", "summary"]
    date_hierarchy = "published_at"
    autocomplete_fields = ["category", "source", "author"]
    readonly_fields = ["view_count", "comment_count", "reaction_count", "created_at", "updated_at", "public_link"]
    actions = ["publish_selected", "unpublish_selected"]
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["title", "category", "source", "tags", "summary", "body", "cover"]}),
        (_("Publishing"), {"fields": ["status", "published_at", "author", "is_featured", "allow_comments"]}),
        (
            _("Figures"),
            {
                "fields": ["public_link", "view_count", "comment_count", "reaction_count", "created_at", "updated_at"],
                "classes": ["collapse"],
            },
        ),
    ]
    formfield_overrides = {
        TaggableManager: {
            "widget": TagWidget(
                attrs={
                    "class": "vTextField yz-tag-input",
                    "data-suggest-url": reverse_lazy("admin:news_article_tag_suggest"),
                    "autocomplete": "off",
                }
            )
        }
    }

    class Media:
        js = ["js/admin-tags.js"]

    # --- who sees and changes what -----------------------------------------------------
    def restricts_to_own(self, request):
        """Reporters (may change articles, but not everyone's) work on their own only."""
        return request.user.has_perm("news.change_article") and not can_manage_all_articles(request.user)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.restricts_to_own(request):
            queryset = queryset.filter(author=request.user)
        return queryset

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or can_edit_article(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or can_edit_article(request.user, obj))

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        if not allowed or obj is None or not self.restricts_to_own(request):
            return allowed
        return obj.author_id == request.user.pk

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not can_manage_all_articles(request.user):
            fields.append("author")
        if not request.user.has_perm("news.feature_article"):
            fields.append("is_featured")
        return fields

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if not self.restricts_to_own(request):
            filters.insert(2, "author")
        return filters

    def save_model(self, request, obj, form, change):
        if not change and (obj.author_id is None or not can_manage_all_articles(request.user)):
            obj.author = request.user
        super().save_model(request, obj, form, change)

    # --- list columns ----------------------------------------------------------------
    @admin.display(description=_("status"), ordering="status")
    def state(self, obj):
        if obj.is_scheduled:
            return format_html('<span class="yz-state yz-state--scheduled">{}</span>', _("Scheduled"))
        return obj.get_status_display()

    @admin.display(description=_("public page"))
    def public_link(self, obj):
        if not obj.pk:
            return "-"
        label = _("View on site") if obj.is_public else _("Preview")
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', obj.get_absolute_url(), label)

    # --- actions ---------------------------------------------------------------------
    @admin.action(description=_("Publish selected articles"), permissions=["change"])
    def publish_selected(self, request, queryset):
        editable = [a.pk for a in queryset if can_edit_article(request.user, a)]
        updated = Article.objects.filter(pk__in=editable).update(status=Article.Status.PUBLISHED)
        self.message_user(
            request,
            ngettext("%d article published.", "%d articles published.", updated) % updated,
            messages.SUCCESS,
        )

    @admin.action(description=_("Move selected articles back to draft"), permissions=["change"])
    def unpublish_selected(self, request, queryset):
        editable = [a.pk for a in queryset if can_edit_article(request.user, a)]
        updated = Article.objects.filter(pk__in=editable).update(status=Article.Status.DRAFT)
        self.message_user(
            request,
            ngettext("%d article moved to draft.", "%d articles moved to draft.", updated) % updated,
            messages.SUCCESS,
        )

    # --- tag suggestions for the tag input -------------------------------------------
    def get_urls(self):
        urls = [
            path(
                "tag-suggest/",
                self.admin_site.admin_view(self.tag_suggest_view),
                name="news_article_tag_suggest",
            )
        ]
        return urls + super().get_urls()

    def tag_suggest_view(self, request):
        """Existing tags starting with or containing ``q``, most used first (JSON)."""
        if not self.has_view_or_change_permission(request):
            return JsonResponse({"error": "forbidden"}, status=403)
        term = request.GET.get("q", "").strip()[:50]
        if not term:
            return JsonResponse({"results": []})
        tags = (
            Tag.objects.filter(name__icontains=term)
            .annotate(uses=Count("taggit_taggeditem_items"))
            .order_by("-uses", "name")
            .values_list("name", flat=True)[:10]
        )
        return JsonResponse({"results": list(tags)})


@admin.register(SiteSettings)
class SiteSettingsAdmin(admin.ModelAdmin):
    """One row: the changelist goes straight to it."""

    fieldsets = [
        (None, {"fields": ["site_name", "slogan"]}),
        (_("Contact"), {"fields": ["hotline", "hotline_hours", "address"]}),
        (_("Legal filings"), {"fields": ["icp_number", "police_number", "license_number"]}),
        (_("Footer"), {"fields": ["show_render_stats"]}),
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        settings = SiteSettings.current()
        return redirect(reverse("admin:news_sitesettings_change", args=[settings.pk]))
