"""The newsroom's article admin: writing, images, workflow, headlines and revisions.

Who may do what is decided in :mod:`news.articles.permissions`; this module applies it to the
list, the form, the actions and the extra views (image upload, revisions, statistics).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers, widgets
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db.models import Count
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from taggit.forms import TagWidget
from taggit.managers import TaggableManager
from taggit.models import Tag

from news.articles import autosave, editor, remote_images, revisions, services, video
from news.articles.admin_gallery import GalleryPictureInline
from news.articles.models import Article, ArticleRevision
from news.articles.permissions import (
    allowed_statuses,
    can_edit_article,
    can_manage_all_articles,
    can_publish,
)
from news.articles.sanitize import html_to_text
from yzgz import images

IMAGE_ACCEPT = "image/jpeg,image/png,image/webp,image/gif"
VIDEO_ACCEPT = "video/mp4,.mp4,.m4v"


class ArticleAdminForm(forms.ModelForm):
    """The article form: the rich-text body, a cleaned cover and the workflow rules."""

    body = editor.body_form_field(label=_("body"))
    cover = forms.FileField(
        label=_("cover image"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT}),
        help_text=Article._meta.get_field("cover").help_text,
    )
    source_url = forms.URLField(
        label=Article._meta.get_field("source_url").verbose_name,
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=Article._meta.get_field("source_url").help_text,
    )
    # The lead video (#20): a file probed by news.articles.video, with a poster chosen or taken from
    # it, or the address of a video on 腾讯视频 or 哔哩哔哩 (the embed code is accepted too).
    video = forms.FileField(
        label=_("video file"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": VIDEO_ACCEPT}),
        help_text=Article._meta.get_field("video").help_text,
    )
    video_poster = forms.FileField(
        label=_("video poster"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT}),
        help_text=Article._meta.get_field("video_poster").help_text,
    )
    video_embed = forms.CharField(
        label=Article._meta.get_field("video_embed").verbose_name,
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"class": "vURLField", "inputmode": "url", "autocomplete": "off"}),
        help_text=Article._meta.get_field("video_embed").help_text,
    )
    # Optimistic locking (#20): when the form was loaded, as the article's updated_at. A save whose
    # article was saved by somebody else since (or published, withdrawn, pinned from the list) is
    # refused with a message, and what this person wrote stays in the form.
    loaded_at = forms.CharField(widget=forms.HiddenInput, required=False)
    user = None  # set by ArticleAdmin.get_form
    storage_error = None  # set by ArticleAdmin.changeform_view when the last try could not store a picture
    restored = None  # an ArticleAutosave to fill the form from (?restore=autosave), set by ArticleAdmin.get_form
    video_info = None  # what news.articles.video.probe read of a new video file

    class Meta:
        model = Article
        fields = "__all__"  # noqa: DJ007 - ArticleAdmin.fieldsets decides what is shown

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].help_text = Article._meta.get_field("body").help_text
        status = self.fields.get("status")
        if status is not None and self.user is not None:
            allowed = allowed_statuses(self.user, self.instance)
            status.choices = [(value, label) for value, label in Article.Status.choices if value in allowed]
            if not can_publish(self.user):
                status.help_text = _("An editor reviews and publishes articles submitted for review.")
            # The buttons under the form say what happens (ArticleAdmin.workflow_buttons); the status
            # they give travels in this field, which a form posted without them still sets.
            status.widget = forms.HiddenInput()
        if self.instance.pk and not self.is_bound:
            self.fields["loaded_at"].initial = self.instance.updated_at.isoformat()
        if not self.is_bound and self.restored is not None:
            autosave.restore_into(self, self.restored)

    def clean(self):
        cleaned = super().clean()
        if self.storage_error is not None:
            raise self.storage_error
        self._refuse_a_stale_save(cleaned.get("loaded_at", ""))
        self._clean_video(cleaned)
        return cleaned

    def _refuse_a_stale_save(self, loaded):
        """A form-wide error (shown at the top) when the article was saved since this form was loaded."""
        if not self.instance.pk or not loaded:
            return  # a new article, or a form posted without it (scripts, older tabs)
        # Locked until the save commits (the admin saves in one transaction): two saves at once queue.
        current = (
            Article.objects.select_for_update().filter(pk=self.instance.pk).values_list("updated_at", flat=True).first()
        )
        if current is not None and current.isoformat() != loaded:
            raise ValidationError(
                _(
                    "Somebody else saved this article at %(time)s, after you opened it. Nothing was saved, so "
                    "their changes are not lost: open the article in a new tab, and carry over what you "
                    "changed (it is still in this form)."
                ),
                code="stale",
                params={"time": timezone.localtime(current).strftime("%H:%M:%S")},
            )

    def clean_cover(self):
        return images.clean_form_picture(self.cleaned_data.get("cover"))

    def clean_video(self):
        upload = self.cleaned_data.get("video")
        if not hasattr(upload, "content_type") or self.storage_error is not None:
            return upload  # unchanged, cleared or none (or the second try after a storage failure)
        self.video_info = video.probe(upload)
        upload.name = video.mp4_name(upload.name)
        return upload

    def clean_video_poster(self):
        return images.clean_form_picture(self.cleaned_data.get("video_poster"))

    def clean_video_embed(self):
        value = self.cleaned_data.get("video_embed", "").strip()
        return video.parse_embed(value).page_url if value else ""

    def _clean_video(self, cleaned):
        """The poster and the figures of the video: a new file's, a frame of it when no poster is given."""
        if "video" not in cleaned or "video_poster" not in cleaned or cleaned.get("video_embed"):
            return  # a refused file or poster says why; a file and an address together: Article.clean
        upload, poster = cleaned["video"], cleaned["video_poster"]
        new_poster = bool(poster) and not isinstance(poster, FieldFile)
        if not upload:
            if new_poster:
                self.add_error("video_poster", _("A poster goes with a video file: upload the video too."))
            return
        info = self.video_info
        if info is not None:  # a new file
            self.instance.video_width, self.instance.video_height = info.width, info.height
            self.instance.video_duration = info.duration
            if not new_poster:
                cleaned["video_poster"] = video.poster_from_frame(info.frame, upload.name)
        elif not poster:  # the poster of a stored video was removed: a frame of it instead
            try:
                with upload.open("rb") as stored:
                    cleaned["video_poster"] = video.poster_from_frame(video.frame_of(stored), upload.name)
            except (OSError, ValidationError):
                self.add_error("video_poster", _("No frame could be taken from the video: upload a poster."))

    def clean_body(self):
        body = self.cleaned_data.get("body", "")
        if not html_to_text(body) and "<img" not in body:
            raise ValidationError(_("The body is empty."), code="required")
        return body

    def clean_status(self):
        status = self.cleaned_data.get("status")
        if self.user is not None and status not in allowed_statuses(self.user, self.instance):
            raise ValidationError(_("You may not give an article this status."), code="status")
        return status

    def _post_clean(self):
        """Last, once everything else is valid: copy images pasted from other sites."""
        super()._post_clean()
        if self.errors or "body" not in self.cleaned_data:
            return
        try:
            body, _stored = remote_images.localise(self.instance.body)
        except ValidationError as exc:
            self.add_error("body", exc)
            return
        self.instance.body = self.cleaned_data["body"] = body

    def clean_headline_until(self):
        until = self.cleaned_data.get("headline_until")
        if until and "headline_until" in self.changed_data and until <= timezone.now():
            raise ValidationError(_("The headline end time must be in the future."), code="past")
        return until


class StatusFilter(admin.SimpleListFilter):
    """Status as the newsroom thinks of it: draft, for review, scheduled, published, withdrawn."""

    title = _("status")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("draft", _("Draft")),
            ("review", _("Submitted for review")),
            ("scheduled", _("Scheduled")),
            ("published", _("Published")),
            ("withdrawn", _("Withdrawn")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "scheduled":
            return queryset.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())
        if value == "published":
            return queryset.published()
        if value in {"draft", "review", "withdrawn"}:
            return queryset.filter(status=value)
        return queryset


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("reason for withdrawal"),
        max_length=300,
        widget=widgets.AdminTextareaWidget(attrs={"rows": 3}),
        help_text=_("Kept with the article for the newsroom; readers only see that it was withdrawn."),
    )


class HeadlineForm(forms.Form):
    order = forms.IntegerField(
        label=_("headline order"), min_value=0, max_value=32767, initial=0, widget=widgets.AdminIntegerFieldWidget
    )
    # The admin's own date and time pickers (日历, 时钟), as in the article form.
    until = forms.SplitDateTimeField(
        label=_("headline until"),
        required=False,
        widget=widgets.AdminSplitDateTime,
        help_text=_("Optional: the headline ends by itself at this time."),
    )

    def clean_until(self):
        until = self.cleaned_data.get("until")
        if until and until <= timezone.now():
            raise ValidationError(_("The headline end time must be in the future."))
        return until


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = [
        "thumbnail",
        "title",
        "state",
        "publish_time",
        "category",
        "author",
        "view_count",
        "comment_count",
        "headline",
    ]
    list_display_links = ["thumbnail", "title"]
    list_filter = [StatusFilter, "category", "published_at", "is_featured"]
    list_select_related = ["category", "author"]
    search_fields = ["title", "summary", "body"]
    date_hierarchy = "published_at"
    autocomplete_fields = ["category", "source", "author"]
    readonly_fields = [
        "view_count",
        "comment_count",
        "reaction_count",
        "created_at",
        "updated_at",
        "public_link",
        "revision_link",
    ]
    inlines = [GalleryPictureInline]
    actions = ["publish_selected", "withdraw_selected", "pin_selected", "unpin_selected", "draft_selected"]
    list_per_page = 50
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "kind",
                    "category",
                    "source",
                    "source_url",
                    "tags",
                    "summary",
                    "body",
                    "cover",
                    "loaded_at",
                ]
            },
        ),
        (
            _("Video"),
            {
                "fields": ["video", "video_poster", "video_embed"],
                "description": _(
                    "A video at the top of the article: upload an MP4 file, or paste the address of a video on "
                    "Tencent Video or Bilibili (one or the other)."
                ),
            },
        ),
        # 署名: 记者, 通讯员 and 摄影 under the title, 责任编辑 at the end of the article.
        (_("Bylines"), {"fields": ["reporters", "correspondents", "photographers", "byline", "responsible_editor"]}),
        (
            _("Publishing"),
            {
                "fields": [
                    "status",
                    "withdrawn_reason",
                    "published_at",
                    "author",
                    "allow_comments",
                    "comment_moderation",
                ]
            },
        ),
        (_("Headlines"), {"fields": ["is_featured", "headline_order", "headline_until"]}),
        (
            _("Figures"),
            {
                "fields": [
                    "public_link",
                    "revision_link",
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
        js = ["js/admin-tags.js", "js/admin-article.js"]
        css = {"all": ["css/admin.css"]}

    # --- who sees and changes what -----------------------------------------------------
    def restricts_to_own(self, request):
        """Reporters (may change articles, but not everyone's) work on their own only."""
        return request.user.has_perm("news.change_article") and not can_manage_all_articles(request.user)

    def get_queryset(self, request):
        queryset = super().get_queryset(request).defer("body_html")
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

    def has_publish_permission(self, request):
        return can_publish(request.user) or can_manage_all_articles(request.user)

    def has_feature_permission(self, request):
        return request.user.has_perm("news.feature_article")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not can_manage_all_articles(request.user):
            fields.append("author")
        if not self.has_feature_permission(request):
            fields += ["is_featured", "headline_order", "headline_until"]
        if not self.has_publish_permission(request):
            fields.append("withdrawn_reason")
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not self.has_feature_permission(request):
            fieldsets = [(name, options) for name, options in fieldsets if name != _("Headlines")]
        if obj is None:
            fieldsets = [(name, options) for name, options in fieldsets if name != _("Figures")]
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user
        form.restored = None
        if request.method == "GET" and request.GET.get(autosave.RESTORE_PARAMETER) == "autosave":
            form.restored = autosave.pending(request.user, obj if obj is not None and obj.pk else None)
        form.storage_error = getattr(request, "storage_error", None)
        return form

    # --- the buttons under the form (#20): each says what it does, and gives the status ---------
    BUTTON_STATUS = {"_draft": "draft", "_review": "review", "_publish": "published", "_withdraw": "withdrawn"}

    def workflow_buttons(self, request, obj):
        """``[(name, label, css class)]`` for this user and article, the safe one first (Enter presses it)."""
        may_publish = self.has_publish_permission(request)
        status = obj.status if obj is not None else Article.Status.DRAFT
        scheduled = obj is not None and obj.published_at > timezone.now()
        publish = ("_publish", _("Schedule") if scheduled else _("Publish"), "yz-button--publish")
        if status in {Article.Status.DRAFT, Article.Status.REVIEW}:
            buttons = (
                [("_draft", _("Save draft"), "")] if status == Article.Status.DRAFT else [("_save", _("Save"), "")]
            )
            buttons.append(("_preview", _("Preview"), ""))
            if may_publish:
                buttons.append(publish)
                if status == Article.Status.REVIEW:
                    buttons.append(("_draft", _("Return to draft"), ""))
            elif status == Article.Status.DRAFT:
                buttons.append(("_review", _("Submit for review"), "yz-button--publish"))
            else:
                buttons.append(("_draft", _("Take back to draft"), ""))
            return buttons
        if status == Article.Status.PUBLISHED:
            buttons = [("_save", _("Update"), "")]
            if may_publish:
                buttons.append(
                    ("_draft", _("Move back to draft"), "")
                    if scheduled
                    else ("_withdraw", _("Withdraw"), "yz-button--withdraw")
                )
            return buttons
        buttons = [("_save", _("Save"), "")]  # withdrawn
        if may_publish:
            buttons.append(("_publish", _("Publish again"), "yz-button--publish"))
        return buttons

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["workflow_buttons"] = self.workflow_buttons(request, obj)
        context["preview_url"] = obj.get_absolute_url() if obj is not None and obj.pk else ""
        if self.has_change_permission(request, obj) if change else self.has_add_permission(request):
            article = obj if obj is not None and obj.pk else None
            restoring = request.GET.get(autosave.RESTORE_PARAMETER) == "autosave"
            context["autosave"] = {
                "url": reverse("admin:news_article_autosave"),
                "article": article.pk if article is not None else "",
                "fields": " ".join(autosave.FIELDS),
                "banner": None if request.method == "POST" else autosave.banner(request.user, article, restoring),
            }
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _press(self, request, obj):
        """The status the pressed button gives, in the posted form (a plain 保存 keeps the form's)."""
        pressed = next((name for name in (*self.BUTTON_STATUS, "_preview") if name in request.POST), None)
        if pressed is None:
            return
        post = request.POST.copy()
        if pressed == "_preview":
            # 预览 saves what is written as a draft, or as it stands (a submission stays submitted).
            post["status"] = obj.status if obj is not None else Article.Status.DRAFT
        else:
            post["status"] = self.BUTTON_STATUS[pressed]
        if pressed == "_draft":
            post["_continue"] = "1"  # a draft is saved to go on writing
        request.POST = post

    def response_add(self, request, obj, post_url_continue=None):
        if "_preview" in request.POST:
            return redirect(obj.get_absolute_url())
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if "_preview" in request.POST:
            return redirect(obj.get_absolute_url())
        return super().response_change(request, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A picture that cannot be stored (full disk, failing storage) is a form error, not a 500.

        The first try rolled back (the admin saves in one transaction) and removed what it
        wrote; the second shows the same form, with what the reporter typed, and the reason.
        """
        if request.method == "POST":
            obj = self.get_object(request, object_id) if object_id else None
            if object_id is None or obj is not None:
                self._press(request, obj)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except images.StorageUnavailable as exc:
            if request.method != "POST" or getattr(request, "storage_error", None) is not None:
                raise
            request.storage_error = exc
            response = super().changeform_view(request, object_id, form_url, extra_context)
            response.status_code = 503
            return response

    def changelist_view(self, request, extra_context=None):
        # #20: the list fits 1280 px: without the admin's left navigation here (the breadcrumbs and
        # the home page lead everywhere), its nine columns and the filters fit side by side.
        return super().changelist_view(request, {"is_nav_sidebar_enabled": False, **(extra_context or {})})

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if not self.restricts_to_own(request):
            filters.insert(2, "author")
        return filters

    def save_model(self, request, obj, form, change):
        if not change and (obj.author_id is None or not can_manage_all_articles(request.user)):
            obj.author = request.user
        services.prepare_for_save(
            obj,
            was_status=form.initial.get("status") if change else None,
            initial_time=form.initial.get("published_at"),
        )
        if obj.status == Article.Status.PUBLISHED and self.has_publish_permission(request):
            services.sign_as_editor(obj, request.user)
        super().save_model(request, obj, form, change)
        autosave.forget(request.user, obj, created=not change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        article = form.instance
        if article.status == Article.Status.PUBLISHED:
            services.keep_revision(article, request.user)

    @admin.display(description=_("cover image"))
    def thumbnail(self, obj):
        if not obj.cover:
            return mark_safe('<span class="yz-thumb yz-thumb--empty" aria-hidden="true"></span>')
        widths = images.rendition_widths(obj.cover_width)
        url = obj.cover.url
        if widths and not images.is_animated(obj.cover.name):
            url = obj.cover.storage.url(images.rendition_name(obj.cover.name, widths[0], "jpg"))
        return format_html('<img class="yz-thumb" src="{}" alt="" width="80" height="53" loading="lazy">', url)

    @admin.display(description=_("status"), ordering="status")
    def state(self, obj):
        if obj.is_scheduled:
            return format_html(
                '<span class="yz-state yz-state--scheduled">{}</span>',
                _("Scheduled for %(time)s") % {"time": timezone.localtime(obj.published_at).strftime("%m-%d %H:%M")},
            )
        return format_html('<span class="yz-state yz-state--{}">{}</span>', obj.status, obj.get_status_display())

    @admin.display(description=_("publication time"), ordering="published_at")
    def publish_time(self, obj):
        return timezone.localtime(obj.published_at).strftime("%Y-%m-%d %H:%M")

    @admin.display(description=_("headline"), ordering="is_featured", boolean=True)
    def headline(self, obj):
        return obj.is_headline

    @admin.display(description=_("public page"))
    def public_link(self, obj):
        if not obj.pk:
            return "-"
        label = _("View on site") if obj.is_public else _("Preview")
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', obj.get_absolute_url(), label)

    @admin.display(description=_("revisions"))
    def revision_link(self, obj):
        if not obj.pk:
            return "-"
        total = obj.revisions.count()
        url = reverse("admin:news_article_revisions", args=[obj.pk])
        label = ngettext("%d revision", "%d revisions", total) % total
        return format_html('<a href="{}">{}</a>', url, label)

    # --- actions ---------------------------------------------------------------------
    def _editable(self, request, queryset):
        return [a.pk for a in queryset if can_edit_article(request.user, a)]

    @admin.action(description=_("Publish selected articles"), permissions=["publish"])
    def publish_selected(self, request, queryset):
        updated = services.publish(self._editable(request, queryset), by=request.user)
        message = ngettext("%d article published.", "%d articles published.", updated) % updated
        self.message_user(request, message, messages.SUCCESS)

    @admin.action(description=_("Move selected articles back to draft"), permissions=["change"])
    def draft_selected(self, request, queryset):
        updated = services.move_to_draft(self._editable(request, queryset))
        message = ngettext("%d article moved to draft.", "%d articles moved to draft.", updated) % updated
        self.message_user(request, message, messages.SUCCESS)

    @admin.action(description=_("Withdraw selected articles…"), permissions=["publish"])
    def withdraw_selected(self, request, queryset):
        """Asks for the reason first (an intermediate page), then withdraws."""
        form = WithdrawForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            updated = services.withdraw(self._editable(request, queryset), reason=form.cleaned_data["reason"])
            message = ngettext("%d article withdrawn.", "%d articles withdrawn.", updated) % updated
            self.message_user(request, message, messages.SUCCESS)
            return None
        return self._action_page(request, queryset, "withdraw_selected", form, _("Withdraw articles"))

    @admin.action(description=_("Pin selected articles to the headlines…"), permissions=["feature"])
    def pin_selected(self, request, queryset):
        form = HeadlineForm(request.POST if "order" in request.POST else None)
        if form.is_valid():
            ids = list(queryset.values_list("pk", flat=True))
            updated = services.pin(ids, order=form.cleaned_data["order"], until=form.cleaned_data["until"])
            message = ngettext("%d article pinned.", "%d articles pinned.", updated) % updated
            self.message_user(request, message, messages.SUCCESS)
            return None
        return self._action_page(request, queryset, "pin_selected", form, _("Pin to the headlines"))

    @admin.action(description=_("Remove selected articles from the headlines"), permissions=["feature"])
    def unpin_selected(self, request, queryset):
        updated = services.unpin(list(queryset.values_list("pk", flat=True)))
        message = ngettext("%d article unpinned.", "%d articles unpinned.", updated) % updated
        self.message_user(request, message, messages.SUCCESS)

    def _action_page(self, request, queryset, action, form, title):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "articles": queryset,
            "form": form,
            "adminform": helpers.AdminForm(form, [(None, {"fields": list(form.fields)})], {}),
            "action": action,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/news/article/action_form.html", context)

    # --- extra views -----------------------------------------------------------------
    def get_urls(self):
        urls = [
            path("tag-suggest/", self.admin_site.admin_view(self.tag_suggest_view), name="news_article_tag_suggest"),
            path("autosave/", self.admin_site.admin_view(autosave.autosave_view), name="news_article_autosave"),
            path("upload-image/", self.admin_site.admin_view(self.upload_image_view), name="news_article_upload_image"),
            path(
                "<int:object_id>/revisions/",
                self.admin_site.admin_view(self.revisions_view),
                name="news_article_revisions",
            ),
            path(
                "<int:object_id>/revisions/<int:revision_id>/restore/",
                self.admin_site.admin_view(self.restore_view),
                name="news_article_revision_restore",
            ),
        ]
        return urls + super().get_urls()

    def upload_image_view(self, request):
        """A body image from the editor: cleaned, stored with renditions; JSON back."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            return JsonResponse({"error": str(_("You may not upload images."))}, status=403)
        upload = request.FILES.get("file")
        if upload is None:
            return JsonResponse({"error": str(_("Choose an image to upload."))}, status=400)
        try:
            name, cleaned = editor.store_body_image(upload)
        except ValidationError as exc:
            status = 503 if exc.code == "storage_unavailable" else 400
            return JsonResponse({"error": " ".join(exc.messages)}, status=status)
        return JsonResponse(
            {"url": default_storage.url(name), "width": cleaned.width, "height": cleaned.height}, status=201
        )

    def _article_for_revisions(self, request, object_id):
        article = get_object_or_404(Article, pk=object_id)
        if not self.has_view_permission(request, article):
            raise PermissionDenied
        return article

    def revisions_view(self, request, object_id):
        """The revisions of an article; with ``?a=&b=`` the two compared."""
        article = self._article_for_revisions(request, object_id)
        history = list(article.revisions.select_related("editor", "category", "source"))
        by_id = {revision.pk: revision for revision in history}
        comparison = None
        older = newer = None
        a, b = request.GET.get("a", ""), request.GET.get("b", "")
        if a or b:
            if not (a.isdigit() and b.isdigit() and int(a) in by_id and int(b) in by_id):
                raise Http404("No such revision")
            older, newer = sorted([by_id[int(a)], by_id[int(b)]], key=lambda r: (r.created_at, r.pk))
            comparison = revisions.compare(older, newer)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Revisions of “%(title)s”") % {"title": article.title},
            "article": article,
            "history": history,
            "older": older,
            "newer": newer,
            "fields": comparison[0] if comparison else None,
            "body_rows": comparison[1] if comparison else None,
            "can_restore": self.has_change_permission(request, article),
            "media": self.media,
        }
        return TemplateResponse(request, "admin/news/article/revisions.html", context)

    def restore_view(self, request, object_id, revision_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self._article_for_revisions(request, object_id)
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        revision = get_object_or_404(ArticleRevision, pk=revision_id, article=article)
        services.restore_revision(article, revision, by=request.user)
        self.log_change(request, article, [{"changed": {"fields": ["revision"]}}])
        when = timezone.localtime(revision.created_at).strftime("%Y-%m-%d %H:%M")
        self.message_user(request, _("The revision of %(time)s was restored.") % {"time": when}, messages.SUCCESS)
        return redirect(reverse("admin:news_article_change", args=[article.pk]))

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
