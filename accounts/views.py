"""Residents' account pages: register, log in (throttled), profile and my comments."""

import logging

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.generic import ListView, UpdateView

from accounts import throttle
from accounts.forms import ProfileForm, RegistrationForm, ThrottledAuthenticationForm
from news.images import StorageUnavailable
from news.models import Comment, SiteSettings
from news.services import ban_message
from yzgz.net import client_ip

logger = logging.getLogger(__name__)


def safe_next(request, default):
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure())
    return target if allowed else default


class LoginView(auth_views.LoginView):
    """Django's login with throttling: 5 failures per username or IP in 15 minutes lock it."""

    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")[:150]
        ip = client_ip(request)
        if throttle.login_blocked(username, ip):
            form = self.get_form()
            form.add_error(None, form.error_messages["throttled"])
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        throttle.login_failed(self.request.POST.get("username", "")[:150], client_ip(self.request))
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def form_valid(self, form):
        throttle.login_succeeded(form.get_user().get_username())
        return super().form_valid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Django's LoginView puts the contrib.sites "site" here, hiding our site settings.
        context["site"] = SiteSettings.current()
        return context


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
        if not throttle.register_allowed(ip):
            form.add_error(None, _("Too many registrations from your network. Please try again in an hour."))
            status = 429
        elif form.is_valid():
            with transaction.atomic():
                user = form.save()
            throttle.registered(ip)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome, %(name)s! You can comment now.") % {"name": user.username})
            return HttpResponseRedirect(safe_next(request, reverse("news:home")))
        else:
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
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class MyCommentsView(LoginRequiredMixin, ListView):
    template_name = "accounts/my_comments.html"
    context_object_name = "comments"
    paginate_by = 20

    def get_queryset(self):
        return Comment.objects.filter(user=self.request.user).select_related("article").order_by("-created_at", "-id")
