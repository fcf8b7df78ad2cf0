"""Forms for residents: registration (with a honeypot), login and profile."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.utils.translation import gettext_lazy as _

from accounts.avatars import process_avatar
from accounts.models import User, username_key
from yzgz.images import validate_image_upload


class RegistrationForm(UserCreationForm):
    # A field people never see; bots that fill every input give themselves away.
    website = forms.CharField(required=False, label=_("Leave this empty"))

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = False
        self.fields["email"].help_text = _("Optional; only used to reset your password.")
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})

    def clean_username(self):
        # UsernameField has applied NFKC and trimmed; the database's unique lower(username) index
        # would refuse a clash anyway, this says so in words.
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username_key(username)).exists():
            raise forms.ValidationError(_("This username is taken."))
        return username


class ThrottledLoginMixin:
    """Says "too many failed logins" when the throttle (accounts.throttle) refused the attempt.

    authenticate() returns None both for a wrong password and for a refused attempt; axes marks
    the request in the second case, and AxesMiddleware then answers 429 with this page.
    """

    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": _("Too many failed logins. Please wait 15 minutes and try again."),
    }

    def get_invalid_login_error(self):
        if getattr(self.request, "axes_locked_out", False):
            return forms.ValidationError(self.error_messages["throttled"], code="throttled")
        return super().get_invalid_login_error()


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    error_messages = {**AdminAuthenticationForm.error_messages, **ThrottledLoginMixin.error_messages}


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["nickname", "avatar"]
        # A plain file input: the profile page shows the current picture, 更换头像 and 删除头像 itself.
        widgets = {
            "avatar": forms.FileInput(
                attrs={"accept": "image/jpeg,image/png,image/webp,image/gif", "class": "avatar-field__input"}
            )
        }
        help_texts = {"avatar": _("JPEG, PNG, WebP or GIF, at most 10 MB; shown square, 256 pixels.")}

    def clean_nickname(self):
        nickname = self.cleaned_data["nickname"].strip()
        if any(ord(ch) < 32 for ch in nickname):
            raise forms.ValidationError(_("The nickname contains control characters."))
        return nickname

    def clean_avatar(self):
        avatar = self.cleaned_data.get("avatar")
        self.avatar_jpeg = None
        if avatar and hasattr(avatar, "content_type"):  # a new upload, not the stored file
            validate_image_upload(avatar)
            # Decoding every pixel here, not in the view, turns a file that only breaks when
            # decoded (a truncated JPEG passes Pillow's verify()) into a form error.
            try:
                self.avatar_jpeg = process_avatar(avatar)
            except Exception as exc:  # Pillow raises many kinds of errors for broken files.
                raise forms.ValidationError(
                    _("The file is not an image, or it is damaged."), code="invalid_image"
                ) from exc
        return avatar
