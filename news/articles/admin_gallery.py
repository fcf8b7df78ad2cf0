"""图集 in the article form: the gallery's pictures as an inline, each with its caption."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from news.articles.models import Article, GalleryPicture
from yzgz import images

GALLERY_MAX_PICTURES = 60


class GalleryPictureForm(forms.ModelForm):
    class Meta:
        model = GalleryPicture
        fields = ["image", "caption", "alt", "order"]
        widgets = {
            "caption": forms.Textarea(attrs={"rows": 2, "cols": 32}),
            "alt": forms.TextInput(attrs={"size": 16}),
            "order": forms.NumberInput(attrs={"style": "width: 4em"}),
        }

    def clean_image(self):
        return images.clean_form_picture(self.cleaned_data.get("image"))


class GalleryPictureFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        if len(kept) > GALLERY_MAX_PICTURES:
            raise ValidationError(
                _("A gallery holds at most %(count)d pictures.") % {"count": GALLERY_MAX_PICTURES}, code="too_many"
            )
        if self.instance.kind == Article.Kind.GALLERY and not kept:
            raise ValidationError(_("A gallery needs at least one picture."), code="empty_gallery")


class GalleryPictureInline(admin.StackedInline):
    model = GalleryPicture
    form = GalleryPictureForm
    formset = GalleryPictureFormSet
    extra = 0
    max_num = GALLERY_MAX_PICTURES
    verbose_name = _("gallery picture")
    verbose_name_plural = _("Gallery (图集): pictures in order, each with its caption")
    classes = ["yz-gallery-inline"]
    # Stacked, not tabular: at 375 px a table row of five fields is cut off; each picture's fields
    # here keep their labels and wrap.
    fields = [("preview", "image"), "caption", ("alt", "order")]
    readonly_fields = ["preview"]

    @admin.display(description=_("preview"))
    def preview(self, obj):
        """The stored picture, small, so the editor sees which caption goes with which."""
        if obj is None or not obj.image:
            return ""
        widths = images.rendition_widths(obj.width)
        url = obj.image.url
        if widths and not images.is_animated(obj.image.name):
            url = obj.image.storage.url(images.rendition_name(obj.image.name, widths[0], "jpg"))
        return format_html('<img class="yz-thumb" src="{}" alt="" width="80" height="53" ">', url)

    # A gallery's pictures are part of the article: whoever may write the article may edit them.
    def _article_allows(self, request, obj):
        article_admin = self.admin_site._registry[self.parent_model]
        if obj is None:
            return article_admin.has_add_permission(request)
        return article_admin.has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return self._article_allows(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._article_allows(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._article_allows(request, obj)

    def has_view_permission(self, request, obj=None):
        article_admin = self.admin_site._registry[self.parent_model]
        return article_admin.has_view_permission(request, obj) or self._article_allows(request, obj)
