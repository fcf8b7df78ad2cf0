"""Receivers of the accounts app: the IP属地 of a resident's last login, shown on their profile."""

from django.contrib.auth.signals import user_logged_in

from accounts.models import User
from yzgz.iplocation import region_for
from yzgz.net import client_ip


def remember_login_region(sender, request, user, **kwargs):
    if request is None:
        return
    region = region_for(client_ip(request))
    if region != user.last_login_region:
        User.objects.filter(pk=user.pk).update(last_login_region=region)
        user.last_login_region = region


user_logged_in.connect(remember_login_region, dispatch_uid="accounts-login-region")
