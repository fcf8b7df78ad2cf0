"""Forms for residents: registration (with a honeypot), login and profile."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm, UserCreationForm
from django.utils.translation import gettext_lazy as _

from accounts.avatars import process_avatar
from accounts.models import User, username_key
from accounts.phone import parse_mobile
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


class PhoneCodeForm(forms.Form):
    """A mobile number and its SMS code; 获取验证码 posts ``action=send`` with the code left empty."""

    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "13812345678"}),
    )
    code = forms.CharField(
        label=_("SMS code"),
        max_length=6,
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}", "maxlength": "6"}
        ),
    )

    def __init__(self, *args, sending=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.sending = sending

    def clean_phone(self):
        return parse_mobile(self.cleaned_data["phone"])

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if self.sending:
            return code
        if not code:
            raise forms.ValidationError(_("Please enter the 6-digit code from the SMS."), code="required")
        if not (len(code) == 6 and code.isascii() and code.isdigit()):
            raise forms.ValidationError(_("The code is 6 digits."), code="invalid")
        return code


class PhoneResetForm(PhoneCodeForm, SetPasswordForm):
    """重设密码 by SMS: the number, its code and the new password twice."""

    def __init__(self, *args, sending=False, **kwargs):
        # SetPasswordForm checks the new password against an account; which one is only known
        # once the number is read, so the view passes it in (a blank one for unknown numbers).
        super().__init__(*args, sending=sending, **kwargs)
        if sending:
            for name in ("new_password1", "new_password2"):
                self.fields[name].required = False

    def clean(self):
        if self.sending:  # 获取验证码: the passwords are not asked for yet
            return self.cleaned_data
        return super().clean()
