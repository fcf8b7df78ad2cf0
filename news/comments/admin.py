"""The moderators' admin: the comment queue, reports, sensitive words, bans and the log.

Every change that touches counts or the log goes through :mod:`news.comments.services`.
"""

import csv

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers, widgets
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, Value, When
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from accounts.models import Ban
from news.articles.models import Article
from news.comments import services, wordfilter
from news.comments.models import Comment, CommentRecord, ModerationAction, SensitiveWord


def _csv_cell(value):
    """A cell a spreadsheet will not run as a formula (=, +, -, @ at the start)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _existing_user(account_id):
    return account_id if get_user_model().objects.filter(pk=account_id).exists() else None


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

    list_display = [
        "excerpt",
        "author_link",
        "article_link",
        "status",
        "report_count",
        "like_count",
        "created_at",
        "ban_link",
    ]
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
        "like_count",
        "moderation_reason",
        "ip_address",
        "ip_region",
        "user_agent",
        "report_list",
        "author_phone",
        "author_records",
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
        return format_html('<a href="{}">{}</a>', reverse("admin:comments_comment_ban", args=[obj.pk]), _("Ban author"))

    @admin.display(description=_("reports"))
    def report_list(self, obj):
        reports = obj.reports.select_related("user")
        return (
            format_html_join(
                "", "<p>{} · {} · {}</p>", ((r.get_reason_display(), r.detail or "-", r.user) for r in reports)
            )
            or "-"
        )

    def _moderate(self, request, queryset, kind, message, reason=""):
        changed = services.comments_moderate(comments=queryset, kind=kind, by=request.user, reason=reason)
        self.message_user(request, message % {"count": changed}, messages.SUCCESS)

    @admin.action(description=_("Approve selected comments"), permissions=["moderate"])
    def approve_selected(self, request, queryset):
        self._moderate(request, queryset, ModerationAction.Kind.APPROVE, _("%(count)d comments approved."))

    @admin.action(description=_("Reject selected comments"), permissions=["moderate"])
    def reject_selected(self, request, queryset):
        """Ask for the reason first (shown to each author on 我的评论), then reject."""
        form = RejectForm(request.POST if RejectForm.REASON in request.POST else None)
        if form.is_valid():
            self._moderate(
                request,
                queryset,
                ModerationAction.Kind.REJECT,
                _("%(count)d comments rejected."),
                reason=form.reason(),
            )
            return None  # back to the queue
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reject comments"),
            "comments": queryset.select_related("user")[:100],
            "count": queryset.count(),
            "form": form,
            "opts": self.opts,
            "action_name": "reject_selected",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(
            request, "admin/comments/comment/reject.html", context, status=400 if form.errors else 200
        )

    @admin.action(description=_("Mark selected comments as spam"), permissions=["moderate"])
    def spam_selected(self, request, queryset):
        self._moderate(request, queryset, ModerationAction.Kind.SPAM, _("%(count)d comments marked as spam."))

    @admin.action(description=_("Delete selected comments"), permissions=["delete"])
    def delete_selected_comments(self, request, queryset):
        deleted = services.comments_delete(comments=queryset, by=request.user)
        self.message_user(request, _("%(count)d comments deleted.") % {"count": deleted}, messages.SUCCESS)

    def has_moderate_permission(self, request):
        return request.user.has_perm("comments.moderate_comment")

    def get_urls(self):
        return [
            path("<path:object_id>/ban/", self.admin_site.admin_view(self.ban_view), name="comments_comment_ban"),
            path(
                "records/<int:account_id>/",
                self.admin_site.admin_view(self.records_view),
                name="comments_comment_records",
            ),
            *super().get_urls(),
        ]

    def records_view(self, request, account_id):
        """One account's comment records as CSV (评论记录), deleted comments included."""
        if not request.user.has_perm("comments.export_commentrecord"):
            raise PermissionDenied
        if account_id >= 2**63:  # no account has such a number (and SQLite could not compare it)
            raise Http404(_("No such account."))
        rows = services.account_records(account_id=account_id)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="comment-records-{account_id}.csv"'
        response.write("\ufeff")  # a BOM: Excel on a Chinese desktop opens UTF-8 as such
        writer = csv.writer(response)
        writer.writerow([str(label) for label in services.RECORD_COLUMNS.values()])
        for row in rows:
            writer.writerow([_csv_cell(row[key]) for key in services.RECORD_COLUMNS])
        ModerationAction.objects.create(
            kind=ModerationAction.Kind.EXPORT, actor=request.user, target_user_id=_existing_user(account_id)
        )
        return response

    @admin.display(description=_("author's mobile number"))
    def author_phone(self, obj):
        # Moderators see it masked; the full number only where superusers edit the account.
        return obj.user.masked_phone or _("not linked")

    @admin.display(description=_("comment records"))
    def author_records(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:comments_comment_records", args=[obj.user_id]),
            _("Export all comment records of this account (CSV)"),
        )

    def ban_view(self, request, object_id):
        """Ban the author of a comment with a preset duration and a reason."""
        if not (request.user.has_perm("accounts.add_ban") and self.has_view_permission(request)):
            raise PermissionDenied
        comment = self.get_object(request, object_id)
        if comment is None or comment.user.is_staff:
            raise Http404(_("No such comment."))
        # #20: banning from a comment offers to reject that comment too (checked; for those who moderate).
        may_reject = comment.status != Comment.Status.REJECTED and request.user.has_perm("comments.moderate_comment")
        form = BanForm(request.POST or None, may_reject=may_reject)
        if request.method == "POST" and form.is_valid():
            with transaction.atomic():
                services.user_ban(
                    user=comment.user,
                    by=request.user,
                    duration=form.cleaned_data["duration"],
                    reason=form.cleaned_data["reason"],
                    comment=comment,
                )
                rejected = form.cleaned_data.get("reject_comment") and services.comments_moderate(
                    comments=[comment],
                    kind=ModerationAction.Kind.REJECT,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                )
            message = (
                _("%(user)s is banned and listed in the blackroom; their comment is rejected.")
                if rejected
                else _("%(user)s is banned and listed in the blackroom.")
            )
            self.message_user(request, message % {"user": comment.user}, messages.SUCCESS)
            return redirect("admin:comments_comment_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Ban %(user)s") % {"user": comment.user},
            "comment": comment,
            "form": form,
            "adminform": helpers.AdminForm(form, [(None, {"fields": list(form.fields)})], {}),
            "media": self.media + form.media,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/comments/comment/ban.html", context, status=400 if form.errors else 200)


class BanForm(forms.Form):
    duration = forms.ChoiceField(
        label=_("duration"),
        choices=[("1d", _("1 day")), ("7d", _("7 days")), ("30d", _("30 days")), ("forever", _("Forever"))],
        initial="7d",
        widget=widgets.AdminRadioSelect(attrs={"class": "radiolist inline"}),
    )
    reason = forms.CharField(label=_("reason"), max_length=200, widget=widgets.AdminTextInputWidget)
    reject_comment = forms.BooleanField(
        label=_("Also reject this comment (the reason above is shown to its author)"),
        required=False,
        initial=True,
        label_suffix="",
    )

    def __init__(self, *args, may_reject=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_reject:
            del self.fields["reject_comment"]


class RejectForm(forms.Form):
    """Why comments are rejected: a preset reason, with words of the moderator's own if needed."""

    REASON = "reject_reason"
    PRESETS = [
        ("spam", _("Advertising or spam")),
        ("abuse", _("Abuse or personal attack")),
        ("illegal", _("Illegal or harmful content")),
        ("rumour", _("False information")),
        ("off_topic", _("Not about the article")),
        ("privacy", _("Reveals someone's private information")),
        ("other", _("Other (write it below)")),
    ]

    reject_reason = forms.ChoiceField(label=_("reason"), choices=PRESETS, widget=forms.RadioSelect)
    reject_detail = forms.CharField(
        label=_("in your words (optional)"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"size": 60}),
        help_text=_("The author sees the reason on their comments page."),
    )

    def clean(self):
        data = super().clean()
        if data.get("reject_reason") == "other" and not data.get("reject_detail", "").strip():
            raise forms.ValidationError(_("Please write the reason."), code="no_reason")
        return data

    def reason(self):
        preset = self.cleaned_data["reject_reason"]
        detail = self.cleaned_data.get("reject_detail", "").strip()
        if preset == "other":
            return detail
        label = str(dict(self.PRESETS)[preset])
        return f"{label}：{detail}" if detail else label


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
            path("import/", self.admin_site.admin_view(self.import_view), name="comments_sensitiveword_import"),
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
                return redirect("admin:comments_sensitiveword_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import sensitive words"),
            "form": form,
            "line_errors": errors,
            "opts": self.opts,
        }
        status = 400 if (errors or form.errors) else 200
        return TemplateResponse(request, "admin/comments/sensitiveword/import.html", context, status=status)


class RecordAdmin(admin.ModelAdmin):
    """A record nobody edits or erases in the admin: it is only read (and written by services)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ModerationAction)
class ModerationActionAdmin(RecordAdmin):
    list_display = ["created_at", "actor", "kind", "target_user", "detail"]
    # All read-only, so the entry page builds no choice lists: the comment choices would use
    # CommentAdmin's queue ordering, an annotation plain Comment querysets do not have.
    readonly_fields = ["created_at", "actor", "kind", "comment", "target_user", "detail"]
    list_filter = ["kind", "created_at"]
    search_fields = ["detail", "actor__username", "target_user__username"]
    list_select_related = ["actor", "target_user"]
    date_hierarchy = "created_at"


class BanAdminForm(forms.ModelForm):
    """Who may be banned is Ban.clean()'s rule, checked on add and on change alike."""

    class Meta:
        model = Ban
        fields = "__all__"  # noqa: DJ007 - BanAdmin decides what is shown


@admin.register(Ban)
class BanAdmin(admin.ModelAdmin):
    form = BanAdminForm
    list_display = ["user", "action", "reason", "created_at", "expires_at", "lifted_at", "created_by"]
    list_filter = ["action", "created_at", "expires_at"]
    search_fields = ["user__username", "reason"]
    autocomplete_fields = ["user"]
    readonly_fields = ["created_by", "lifted_at"]
    list_select_related = ["user", "created_by"]
    actions = ["lift_selected"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if not change:  # a ban added here is in the moderation log like one from the comment queue
                services.log_ban(obj, by=request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # bans are lifted, not erased, so the record stays

    @admin.action(description=_("Lift selected bans"), permissions=["change"])
    def lift_selected(self, request, queryset):
        for ban in queryset.filter(lifted_at__isnull=True):
            services.ban_lift(ban=ban, by=request.user)
        self.message_user(request, _("Bans lifted."))


@admin.register(CommentRecord)
class CommentRecordAdmin(RecordAdmin):
    """Deleted comments on record (评论记录), read-only; kept for the authorities' requests."""

    list_display = ["username", "created_at", "ip_region", "excerpt", "status", "deleted_at", "export_link"]
    list_filter = ["status", "deleted_at"]
    search_fields = ["username", "body", "article_title"]
    date_hierarchy = "deleted_at"
    list_per_page = 100

    @admin.display(description=_("text"))
    def excerpt(self, obj):
        return obj.body[:60]

    @admin.display(description=_("comment records"))
    def export_link(self, obj):
        if obj.account_id is None:
            return "-"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:comments_comment_records", args=[obj.account_id]), _("Export (CSV)")
        )
