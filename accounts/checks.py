"""System checks of the accounts app: an SMS backend that cannot send would only show when a
resident asks for a code, so ``check --deploy`` tries to build it first."""

from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

from accounts import sms


@register(Tags.security, deploy=True)
def sms_backend_configured(app_configs, **kwargs):
    try:
        sms.get_backend()
    except (ImproperlyConfigured, ImportError) as exc:
        return [
            Error(
                f"The SMS backend cannot send codes: {exc}",
                hint="Set DJANGO_SMS_BACKEND and its credentials (README, Configuration).",
                id="accounts.E001",
            )
        ]
    return []
