"""Residents' account pages: register, log in (by password or SMS code, throttled), the mobile
number (实名), 忘记密码 by email or SMS, and the profile."""

import logging

from django.contrib import messages
from django.contrib.auth import authenticate, login, password_validation
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import UpdateView

from accounts import phone, throttle
from accounts.forms import PhoneCodeForm, PhoneResetForm, ProfileForm, RegistrationForm, ThrottledAuthenticationForm
from accounts.models import User, ban_message, mask_phone
from yzgz.images import StorageUnavailable
from yzgz.net import client_ip
from yzgz.siteurl import absolute_url

logger = logging.getLogger(__name__)


def safe_next(request, default):
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure())
    return target if allowed else default


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the login page that refused the attempt, as a 429.

    The login forms (ThrottledLoginMixin) already say why; a way in without a page of its own
    gets the same sentence as text.
    """
    if original_response is None or original_response.status_code >= 500:
        original_response = HttpResponse(
            ThrottledAuthenticationForm.error_messages["throttled"], content_type="text/plain; charset=utf-8"
        )
    original_response.status_code = 429
    original_response["Retry-After"] = str(throttle.LOGIN_WINDOW)
    return original_response


class LoginView(auth_views.LoginView):
    """Django's login page; the throttle (accounts.throttle) works inside authenticate()."""

    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def get(self, request, *args, **kwargs):
        # The form cannot work without the database: with it down the reader gets the friendly
        # 503 (yzgz.errors) now rather than after typing a password.
        connection.ensure_connection()
        return super().get(request, *args, **kwargs)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Django's LoginView puts the contrib.sites "site" here, hiding the site settings the
        # context processor (news.articles.context_processors) gives every page.
        context.pop("site", None)
        return context


def _create_account(form):
    """The new account, or None with the form saying why when the name was taken meanwhile.

    Two people registering "Admin" and "admin" at once both pass the form's check; the unique
    index on lower(username) lets one of them in and the other gets the same message as anyone.
    """
    try:
        with transaction.atomic():
            return form.save()
    except IntegrityError:
        form.add_error("username", _("This username is taken."))
        return None


def register(request):
    # HttpResponseRedirect, not redirect(): redirect() would try a bare word such as
    # "undefined" as a URL pattern name and fail with NoReverseMatch.
    if request.user.is_authenticated:
        return HttpResponseRedirect(safe_next(request, reverse("news:home")))
    ip = client_ip(request)
    form = RegistrationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if request.POST.get("website"):
            raise PermissionDenied("honeypot")
        if not throttle.register_reserve(ip):
            form.add_error(None, _("Too many registrations from your network. Please try again in an hour."))
            status = 429
        elif form.is_valid() and (user := _create_account(form)):
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome, %(name)s! You can comment now.") % {"name": user.username})
            return HttpResponseRedirect(safe_next(request, reverse("news:home")))
        else:
            throttle.register_release(ip)
            status = 400
    return render(
        request,
        "registration/register.html",
        {"form": form, "next": safe_next(request, "")},
        status=status,
    )


class ProfileView(LoginRequiredMixin, UpdateView):
    form_class = ProfileForm
    template_name = "accounts/profile.html"
    success_url = reverse_lazy("accounts:profile")

    def get_object(self, queryset=None):
        return self.request.user

    def post(self, request, *args, **kwargs):
        """A banned resident is read-only: the nickname and avatar others see stay as they were."""
        ban = request.user.active_ban()
        if ban is None:
            return super().post(request, *args, **kwargs)
        self.object = self.get_object()
        form = self.get_form()
        form.errors.clear()
        form.add_error(None, _("Your profile cannot be changed while you are banned.") + " " + ban_message(ban))
        response = super().form_invalid(form)
        response.status_code = 403
        return response

    def form_valid(self, form):
        if self.request.POST.get("remove_avatar"):
            return self.remove_avatar()
        old_avatar = self.request.user.__class__.objects.get(pk=self.request.user.pk).avatar
        user = form.save(commit=False)
        if form.avatar_jpeg is not None:
            try:
                user.avatar.save("avatar.jpg", form.avatar_jpeg, save=False)
            except OSError:  # a full disk or a failing storage (MediaStorage removed the partial file)
                logger.exception("could not store an avatar")
                user.refresh_from_db()  # nothing of this form is kept
                form.add_error("avatar", StorageUnavailable())
                response = super().form_invalid(form)
                response.status_code = 503
                return response
        user.save()
        if old_avatar and old_avatar.name != user.avatar.name:
            old_avatar.storage.delete(old_avatar.name)
        messages.success(self.request, _("Your profile is saved."))
        return redirect(self.success_url)

    def form_invalid(self, form):
        if self.request.POST.get("remove_avatar"):  # 删除头像 needs nothing else of the form
            return self.remove_avatar()
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def remove_avatar(self):
        """删除头像: the picture goes from storage too; the initial of the name is shown instead."""
        user = self.request.user
        if user.avatar:
            storage, name = user.avatar.storage, user.avatar.name
            user.avatar = ""
            user.save(update_fields=["avatar"])
            storage.delete(name)
            messages.success(self.request, _("Your avatar is removed."))
        return redirect(self.success_url)


# --- mobile number (实名), phone-code login and password reset ------------------------------------


def _sending(request):
    """获取验证码 (action=send) rather than the form's main button."""
    return request.POST.get("action") == "send"


class CodeFormView(View):
    """A page with a mobile number and an SMS code (includes/phone_code_fields.html)."""

    template_name = ""

    def render(self, form, *, status, sent=False):
        context = {"form": form, "next": safe_next(self.request, ""), "sent": sent}
        return render(self.request, self.template_name, context, status=status)

    def send(self, form, *, purpose, subject="", deliver=True, maybe=False):
        """获取验证码: send a code for the form's number, and the page that says so or why not.

        ``maybe``: the page cannot know whether the number has an account, and does not say.
        """
        number = form.cleaned_data["phone"]
        try:
            phone.send_code(phone=number, purpose=purpose, ip=client_ip(self.request), subject=subject, deliver=deliver)
        except phone.SendRefused as refused:
            form.add_error(None, refused.message)
            return self.render(form, status=refused.status)
        if maybe:
            text = _("If %(phone)s belongs to an account, a code is on its way; it is valid for 5 minutes.")
        else:
            text = _("A code was sent to %(phone)s; it is valid for 5 minutes.")
        messages.info(self.request, text % {"phone": mask_phone(number)})
        return self.render(form, status=200, sent=True)

    def wrong_code(self, form):
        form.add_error("code", _("The code is wrong or has expired. Please ask for a new one."))
        return self.render(form, status=400, sent=True)


class PhoneView(LoginRequiredMixin, CodeFormView):
    """绑定手机号: link a mainland mobile number to the account by an SMS code (实名)."""

    template_name = "accounts/phone.html"

    def get(self, request):
        return self.render(PhoneCodeForm(), status=200)

    def post(self, request):
        sending = _sending(request)
        form = PhoneCodeForm(request.POST, sending=sending)
        if not form.is_valid():
            return self.render(form, status=400)
        number = form.cleaned_data["phone"]
        user = request.user
        if User.objects.filter(phone=number).exclude(pk=user.pk).exists():
            form.add_error("phone", _("This number is already linked to another account."))
            return self.render(form, status=400)
        if sending:
            return self.send(form, purpose="verify", subject=user.pk)
        if not phone.check_code(phone=number, purpose="verify", code=form.cleaned_data["code"], subject=user.pk):
            return self.wrong_code(form)
        try:
            with transaction.atomic():
                user.phone, user.phone_verified_at = number, timezone.now()
                user.save(update_fields=["phone", "phone_verified_at"])  # signals: cached copies go
        except IntegrityError:  # someone linked the same number a moment ago
            form.add_error("phone", _("This number is already linked to another account."))
            return self.render(form, status=409)
        messages.success(request, _("Your mobile number is linked. You can comment now."))
        return HttpResponseRedirect(safe_next(request, reverse("accounts:profile")))


class PhoneLoginView(CodeFormView):
    """短信验证码登录: the number and a code; authenticate() counts it with every other login."""

    template_name = "registration/login_phone.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return HttpResponseRedirect(safe_next(request, reverse("news:home")))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self.render(PhoneCodeForm(), status=200)

    def post(self, request):
        sending = _sending(request)
        form = PhoneCodeForm(request.POST, sending=sending)
        if not form.is_valid():
            return self.render(form, status=400)
        number = form.cleaned_data["phone"]
        if sending:
            # The same answer and the same limits whether or not the number has an account.
            exists = User.objects.filter(phone=number, is_active=True).exists()
            return self.send(form, purpose="login", deliver=exists, maybe=True)
        user = authenticate(request, phone=str(number), sms_code=form.cleaned_data["code"])
        if user is None:
            if getattr(request, "axes_locked_out", False):
                form.add_error(None, ThrottledAuthenticationForm.error_messages["throttled"])
                return self.render(form, status=429)
            return self.wrong_code(form)
        login(request, user)
        return HttpResponseRedirect(safe_next(request, reverse("news:home")))


class PasswordResetSMSView(CodeFormView):
    """忘记密码 by SMS: a code to the linked number, then a new password."""

    template_name = "registration/password_reset_sms.html"

    def get(self, request):
        return self.render(PhoneResetForm(User()), status=200)

    def post(self, request):
        sending = _sending(request)
        try:
            number = phone.parse_mobile(request.POST.get("phone"))
        except ValidationError:
            number = None
        user = User.objects.filter(phone=number, is_active=True).first() if number else None
        # Checked against a blank account first, whoever has the number: a password like the
        # account's name or email must not tell a stranger without the code that it exists.
        form = PhoneResetForm(User(), request.POST, sending=sending)
        if not form.is_valid():
            return self.render(form, status=400, sent=not sending and bool(number))
        if sending:
            return self.send(form, purpose="reset", deliver=user is not None, maybe=True)
        code = form.cleaned_data["code"]
        if user is None or not phone.check_code(phone=number, purpose="reset", code=code, consume=False):
            return self.wrong_code(form)
        # The code is theirs: now the checks that need the account (not like its name); the code
        # stays valid while they choose another password.
        try:
            password_validation.validate_password(form.cleaned_data["new_password1"], user)
        except ValidationError as error:
            form.add_error("new_password2", error)
            return self.render(form, status=400, sent=True)
        if not phone.use_code(phone=number, purpose="reset"):
            return self.wrong_code(form)
        form.user = user
        form.save()
        messages.success(request, _("Your password is changed. Please log in with the new password."))
        return HttpResponseRedirect(reverse("accounts:login"))


class PasswordResetView(auth_views.PasswordResetView):
    """忘记密码 by email (Django's flow): at most a few mails per address and hour."""

    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-done")

    def form_valid(self, form):
        ip = client_ip(self.request)
        if ip and not throttle.reset_mail_reserve(ip, form.cleaned_data["email"]):
            form.add_error(None, _("Too many reset requests. Please try again in an hour."))
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        # The link is built from the site's address (DJANGO_SITE_URL), never from the Host header.
        self.extra_email_context = {"site_root": absolute_url("/", self.request).rstrip("/")}
        return super().form_valid(form)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response
