"""Residents' account pages: register, log in (throttled), profile and my comments."""

import logging

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.generic import UpdateView

from accounts import throttle
from accounts.forms import ProfileForm, RegistrationForm, ThrottledAuthenticationForm
from accounts.models import ban_message
from yzgz.images import StorageUnavailable
from yzgz.net import client_ip

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
