"""The newsroom: articles, categories, sources and site settings in the Django admin.

Reporters see and change only their own articles; editors (``news.manage_all_articles``)
see and change every article. The rule itself lives in :mod:`news.permissions`.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, Count, Value, When
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from taggit.forms import TagWidget
from taggit.managers import TaggableManager
from taggit.models import Tag

from news import charts, services, stats, wordfilter
from news.models import (
    Article,
    Category,
    Comment,
    ModerationAction,
    Reaction,
    SensitiveWord,
    SiteSettings,
    Source,
)
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
    readonly_fields = [
        "view_count",
        "comment_count",
        "reaction_count",
        "created_at",
        "updated_at",
        "public_link",
        "views_chart",
    ]
    actions = ["publish_selected", "unpublish_selected"]
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["title", "category", "source", "tags", "summary", "body", "cover"]}),
        (
            _("Publishing"),
            {"fields": ["status", "published_at", "author", "is_featured", "allow_comments", "comment_moderation"]},
        ),
        (
            _("Figures"),
            {
                "fields": [
                    "public_link",
                    "views_chart",
                    "view_count",
                    "comment_count",
                    "reaction_count",
                    "created_at",
                    "updated_at",
                ],
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
        css = {"all": ["css/admin.css"]}

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

    @admin.display(description=_("views in the last 30 days"))
    def views_chart(self, obj):
        if not obj.pk:
            return "-"
        return charts.bar_chart(
            stats.daily_series(30, Article.objects.filter(pk=obj.pk)), label=_("views in the last 30 days")
        )

    # --- actions ---------------------------------------------------------------------
    def _set_status(self, request, queryset, status):
        """Change the status of the selected articles the user may edit; returns how many."""
        editable = [a.pk for a in queryset if can_edit_article(request.user, a)]
        return Article.objects.filter(pk__in=editable).update(status=status)

    @admin.action(description=_("Publish selected articles"), permissions=["change"])
    def publish_selected(self, request, queryset):
        updated = self._set_status(request, queryset, Article.Status.PUBLISHED)
        message = ngettext("%d article published.", "%d articles published.", updated) % updated
        self.message_user(request, message, messages.SUCCESS)

    @admin.action(description=_("Move selected articles back to draft"), permissions=["change"])
    def unpublish_selected(self, request, queryset):
        updated = self._set_status(request, queryset, Article.Status.DRAFT)
        message = ngettext("%d article moved to draft.", "%d articles moved to draft.", updated) % updated
        self.message_user(request, message, messages.SUCCESS)

    # --- tag suggestions for the tag input -------------------------------------------
    def get_urls(self):
        urls = [
            path(
                "tag-suggest/",
                self.admin_site.admin_view(self.tag_suggest_view),
                name="news_article_tag_suggest",
            ),
            path("stats/", self.admin_site.admin_view(self.stats_view), name="news_article_stats"),
        ]
        return urls + super().get_urls()

    STATS_PERIODS = (7, 30, 90)

    def stats_view(self, request):
        """Views per day, top articles, sources and publishers; reporters see their own."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            days = int(request.GET.get("days", 30))
        except ValueError:
            days = 30
        days = days if days in self.STATS_PERIODS else 30
        articles = self.get_queryset(request)
        series = stats.daily_series(days, articles)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Statistics"),
            "days": days,
            "periods": self.STATS_PERIODS,
            "total": sum(n for _day, n in series),
            "chart": charts.bar_chart(series, label=_("views per day")),
            "top_articles": stats.top_by("article", "article__title", days, articles),
            "top_sources": stats.top_by("article__source", "article__source__name", days, articles),
            "top_publishers": stats.top_by("article__author", "article__author__username", days, articles),
            "own_only": self.restricts_to_own(request),
            "media": self.media,
        }
        return TemplateResponse(request, "admin/news/article/stats.html", context)

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
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        settings = SiteSettings.current()
        return redirect(reverse("admin:news_sitesettings_change", args=[settings.pk]))


# --- comments and moderation ------------------------------------------------------------


class ReportedFilter(admin.SimpleListFilter):
    title = _("reported")
    parameter_name = "reported"

    def lookups(self, request, model_admin):
        return [("yes", _("Reported")), ("no", _("Not reported"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(report_count__gt=0)
        if self.value() == "no":
            return queryset.filter(report_count=0)
        return queryset


class CommentArticleFilter(admin.SimpleListFilter):
    """By article: offers the articles with the newest comments, accepts any article id."""

    title = _("article")
    parameter_name = "article"

    def lookups(self, request, model_admin):
        recent = Comment.objects.order_by("-created_at").values_list("article_id", flat=True).distinct()[:200]
        ids = list(dict.fromkeys(recent))[:15]
        titles = dict(Article.objects.filter(pk__in=ids).values_list("pk", "title"))
        return [(str(pk), titles[pk][:30]) for pk in ids if pk in titles]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit() and len(value) < 19:
            return queryset.filter(article_id=int(value))
        return queryset


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """The moderators' queue: pending and reported comments first."""

    list_display = ["excerpt", "author_link", "article_link", "status", "report_count", "created_at", "ban_link"]
    list_filter = ["status", ReportedFilter, CommentArticleFilter, "created_at"]
    search_fields = ["body", "user__username", "user__nickname", "article__title"]
    date_hierarchy = "created_at"
    list_select_related = ["user", "article"]
    list_per_page = 100
    actions = ["approve_selected", "reject_selected", "spam_selected", "delete_selected_comments"]
    readonly_fields = [
        "article",
        "user",
        "parent",
        "body",
        "status",
        "hold_reason",
        "created_at",
        "report_count",
        "ip_address",
        "user_agent",
        "report_list",
    ]
    fields = readonly_fields

    def get_queryset(self, request):
        # Annotate before ordering: ModelAdmin.get_queryset would order by "queue" too early.
        queue = Case(
            When(status=Comment.Status.PENDING, then=Value(0)),
            When(report_count__gt=0, status=Comment.Status.APPROVED, then=Value(1)),
            default=Value(2),
        )
        return Comment.objects.annotate(queue=queue).order_by(*self.get_ordering(request))

    def get_ordering(self, request):
        return ["queue", "-created_at", "-id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Comments are never edited; the change page is a read-only view with actions.
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_model(self, request, obj):
        services.comments_delete(comments=[obj], by=request.user)

    def delete_queryset(self, request, queryset):
        services.comments_delete(comments=queryset, by=request.user)

    @admin.display(description=_("text"))
    def excerpt(self, obj):
        return obj.body[:60]

    @admin.display(description=_("author"), ordering="user__username")
    def author_link(self, obj):
        return obj.user.display_name

    @admin.display(description=_("article"), ordering="article")
    def article_link(self, obj):
        return format_html(
            '<a href="{}#comment-{}" target="_blank" rel="noopener">{}</a>',
            obj.article.get_absolute_url(),
            obj.pk,
            obj.article.title[:24],
        )

    @admin.display(description=_("ban"))
    def ban_link(self, obj):
        if obj.user.is_staff:
            return "-"
        return format_html('<a href="{}">{}</a>', reverse("admin:news_comment_ban", args=[obj.pk]), _("Ban author"))

    @admin.display(description=_("reports"))
    def report_list(self, obj):
        reports = obj.reports.select_related("user")
        return (
            format_html_join(
                "", "<p>{} · {} · {}</p>", ((r.get_reason_display(), r.detail or "-", r.user) for r in reports)
            )
            or "-"
        )

    def _moderate(self, request, queryset, kind, message):
        changed = services.comments_moderate(comments=queryset, kind=kind, by=request.user)
        self.message_user(request, message % {"count": changed}, messages.SUCCESS)

    @admin.action(description=_("Approve selected comments"), permissions=["moderate"])
    def approve_selected(self, request, queryset):
        self._moderate(request, queryset, ModerationAction.Kind.APPROVE, _("%(count)d comments approved."))

    @admin.action(description=_("Reject selected comments"), permissions=["moderate"])
    def reject_selected(self, request, queryset):
        self._moderate(request, queryset, ModerationAction.Kind.REJECT, _("%(count)d comments rejected."))

    @admin.action(description=_("Mark selected comments as spam"), permissions=["moderate"])
    def spam_selected(self, request, queryset):
        self._moderate(request, queryset, ModerationAction.Kind.SPAM, _("%(count)d comments marked as spam."))

    @admin.action(description=_("Delete selected comments"), permissions=["delete"])
    def delete_selected_comments(self, request, queryset):
        deleted = services.comments_delete(comments=queryset, by=request.user)
        self.message_user(request, _("%(count)d comments deleted.") % {"count": deleted}, messages.SUCCESS)

    def has_moderate_permission(self, request):
        return request.user.has_perm("news.moderate_comment")

    def get_urls(self):
        return [
            path("<path:object_id>/ban/", self.admin_site.admin_view(self.ban_view), name="news_comment_ban"),
            *super().get_urls(),
        ]

    def ban_view(self, request, object_id):
        """Ban the author of a comment with a preset duration and a reason."""
        if not (request.user.has_perm("accounts.add_ban") and self.has_view_permission(request)):
            raise PermissionDenied
        comment = self.get_object(request, object_id)
        if comment is None or comment.user.is_staff:
            raise Http404(_("No such comment."))
        form = BanForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            services.user_ban(
                user=comment.user,
                by=request.user,
                duration=form.cleaned_data["duration"],
                reason=form.cleaned_data["reason"],
                comment=comment,
            )
            self.message_user(
                request, _("%(user)s is banned and listed in the blackroom.") % {"user": comment.user}, messages.SUCCESS
            )
            return redirect("admin:news_comment_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Ban %(user)s") % {"user": comment.user},
            "comment": comment,
            "form": form,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/news/comment/ban.html", context, status=400 if form.errors else 200)


class BanForm(forms.Form):
    duration = forms.ChoiceField(
        label=_("duration"),
        choices=[("1d", _("1 day")), ("7d", _("7 days")), ("30d", _("30 days")), ("forever", _("Forever"))],
        initial="7d",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("reason"), max_length=200, widget=forms.TextInput(attrs={"size": 60}))


class BulkWordsForm(forms.Form):
    lines = forms.CharField(
        label=_("words"),
        widget=forms.Textarea(attrs={"rows": 14, "cols": 60}),
        help_text=_("One per line: word=action, where action is 禁止, 审核 or 替换 (block, hold, replace)."),
    )


@admin.register(SensitiveWord)
class SensitiveWordAdmin(admin.ModelAdmin):
    list_display = ["word", "action", "created_at"]
    list_filter = ["action"]
    search_fields = ["word"]
    list_per_page = 100

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="news_sensitiveword_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = BulkWordsForm(request.POST or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            entries, errors = wordfilter.parse_bulk(form.cleaned_data["lines"])
            if not errors:
                created = updated = 0
                with transaction.atomic():
                    for word, action in entries:
                        _obj, was_created = SensitiveWord.objects.update_or_create(
                            word=word[:50], defaults={"action": action}
                        )
                        created += was_created
                        updated += not was_created
                services.forget_sensitive_words()
                self.message_user(
                    request,
                    _("%(created)d words added, %(updated)d updated.") % {"created": created, "updated": updated},
                    messages.SUCCESS,
                )
                return redirect("admin:news_sensitiveword_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import sensitive words"),
            "form": form,
            "line_errors": errors,
            "opts": self.opts,
        }
        status = 400 if (errors or form.errors) else 200
        return TemplateResponse(request, "admin/news/sensitiveword/import.html", context, status=status)


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "kind", "target_user", "detail"]
    list_filter = ["kind", "created_at"]
    search_fields = ["detail", "actor__username", "target_user__username"]
    list_select_related = ["actor", "target_user"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Reaction)
class ReactionAdmin(admin.ModelAdmin):
    """Reactions are counted by id: renaming, reordering or hiding one never moves a count."""

    list_display = ["name", "icon", "order", "is_active"]
    list_editable = ["order", "is_active"]
    ordering = ["order", "id"]

    def has_delete_permission(self, request, obj=None):
        return False  # hide a reaction instead: deleting it would delete its votes
