"""The client's IP address, trusting X-Forwarded-For only from our own proxies."""

import ipaddress

from django.conf import settings


def client_ip(request):
    """REMOTE_ADDR, or with ``DJANGO_TRUSTED_PROXIES=n`` the address n hops back in X-Forwarded-For.

    nginx appends the address it saw, so with one proxy the last entry is the client; anything
    before it was written by the client and cannot be trusted.
    """
    address = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXIES
    if hops:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
