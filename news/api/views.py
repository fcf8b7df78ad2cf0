"""The profile page's side of the API: a resident revokes the token of an app or device."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from news.api.models import ApiToken


@login_required
@require_POST
def token_revoke(request, pk):
    """Only one's own tokens; another's, or one already gone, changes nothing and says so."""
    deleted, _rows = ApiToken.objects.filter(pk=pk, user=request.user).delete()
    if deleted:
        messages.success(request, _("The app or device can no longer use your account."))
    else:
        messages.info(request, _("That token was already revoked."))
    return redirect("accounts:profile")
