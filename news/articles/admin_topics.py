"""专题 (topics) in the newsroom: the topic with its ordered sections on one page (editors)."""

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from news.articles.admin_articles import IMAGE_ACCEPT
from news.articles.models import Topic, TopicSection
from yzgz import images


class TopicAdminForm(forms.ModelForm):
    cover = forms.FileField(
        label=_("cover image"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT}),
        help_text=Topic._meta.get_field("cover").help_text,
    )

    class Meta:
        model = Topic
        fields = ["title", "slug", "status", "order", "cover", "introduction"]

    def clean_cover(self):
        """A new picture is checked and re-encoded without its metadata, as an article's cover."""
        return images.clean_form_picture(self.cleaned_data.get("cover"))


class TopicSectionInline(admin.StackedInline):
    model = TopicSection
    extra = 0
    fields = [("title", "order"), "articles", ("tag", "tag_limit")]
    autocomplete_fields = ["articles", "tag"]

    def get_extra(self, request, obj=None, **kwargs):
        return 0 if obj else 1


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    form = TopicAdminForm
    inlines = [TopicSectionInline]
    list_display = ["title", "status", "order", "section_total", "updated_at", "page_link"]
    list_editable = ["status", "order"]
    list_filter = ["status"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    fields = ["title", "slug", "status", "order", "cover", "introduction"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(section_total=Count("sections"))

    @admin.display(description=_("sections"), ordering="section_total")
    def section_total(self, obj):
        return obj.section_total

    @admin.display(description=_("page"))
    def page_link(self, obj):
        label = _("View") if obj.is_public else _("Preview")
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', obj.get_absolute_url(), label)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
