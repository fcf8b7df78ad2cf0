"""Mobile numbers and SMS codes: validation, sending with abuse limits, checking a code.

A code is 6 digits, lives :data:`CODE_TTL` seconds, is bound to its purpose (``verify`` a number
for an account, ``login``, ``reset`` a password) and to its subject (the account that asked to
link the number, or nobody), and is single-use. Everything lives in the shared cache (Redis in
production), so every app server sees the same codes and the same limits, and every limit is one
atomic operation there — ``SET NX`` or ``INCR`` — taken *before* the slow part:

* one send per number per :data:`RESEND_INTERVAL` (``SET NX``): 30 parallel requests send one SMS;
* :data:`DAILY_SENDS_PER_NUMBER` per number and :data:`HOURLY_SENDS_PER_IP` per address (``INCR``);
* :data:`MAX_TRIES` checks per code (``INCR`` before comparing): the sixth guess burns the code,
  however many guesses arrive at once;
* using a code deletes it, and only the request whose ``DEL`` removed it succeeds.

Only a hash of the code is stored, keyed by the secret key, so a cache dump shows no codes.
"""

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from phonenumber_field.phonenumber import to_python

from accounts import sms
from yzgz import counters

logger = logging.getLogger(__name__)

CODE_TTL = 5 * 60
MAX_TRIES = 5
RESEND_INTERVAL = 60
DAILY_SENDS_PER_NUMBER = 10
HOURLY_SENDS_PER_IP = 20
PURPOSES = ("verify", "login", "reset")

MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def parse_mobile(value):
    """A mainland China mobile number (+86) as a PhoneNumber, or ValidationError in words.

    Accepts what people type: 13812345678, 138 1234 5678, +86 138-1234-5678, full-width digits.
    """
    text = str(value or "").strip()
    if not text:
        raise ValidationError(_("Please enter your mobile number."), code="required")
    if len(text) > 32 or "\x00" in text:
        raise ValidationError(_("This is not a mainland China mobile number."), code="invalid")
    number = to_python(text, region="CN")
    if (
        number is None
        or not number.is_valid()
        or phonenumbers.region_code_for_number(number) != "CN"
        or phonenumbers.number_type(number) not in MOBILE_TYPES
    ):
        raise ValidationError(_("This is not a mainland China mobile number."), code="invalid")
    return number


def _digest(*parts):
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:40]


def _code_key(purpose, phone, subject):
    return f"sms:code:{_digest(purpose, phone, subject)}"


def _hash_code(purpose, phone, subject, code):
    message = f"{purpose}|{phone}|{subject}|{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


class SendRefused(Exception):
    """Why no code was sent, in words for the resident, and the HTTP status to answer with."""

    def __init__(self, message, status=429):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class Sent:
    phone: str
    delivered: bool  # False when no SMS went out because no account has the number (login, reset)


def send_code(*, phone, purpose, ip=None, subject="", deliver=True):
    """Take the limits, then make and send a code; raises SendRefused.

    ``deliver=False`` (a login or reset for a number no account has) takes the same limits and
    answers the same, so the page cannot be used to find out which numbers have accounts, and
    no stranger's phone gets an SMS.
    """
    if purpose not in PURPOSES:
        raise ValueError(f"unknown SMS code purpose {purpose!r}")
    phone = str(phone)
    minute_key = f"sms:minute:{_digest(phone)}"
    try:
        if not cache.add(minute_key, 1, RESEND_INTERVAL):
            raise SendRefused(
                _("A code was sent to this number less than a minute ago. Please wait before asking again.")
            )
        if cache.get(minute_key) is None:  # the cache answers nothing (Redis down): see below
            raise ConnectionError("the shared cache is unavailable")
        try:
            if ip and counters.hit(f"sms:ip:{_digest(ip)}", 3600) > HOURLY_SENDS_PER_IP:
                raise SendRefused(_("Too many codes were asked for from your network. Please try again in an hour."))
            if counters.hit(f"sms:day:{_digest(phone)}", 24 * 3600) > DAILY_SENDS_PER_NUMBER:
                raise SendRefused(_("This number has had too many codes today. Please try again tomorrow."))
        except SendRefused:
            cache.delete(minute_key)  # nothing was sent: the number is not held for the minute
            raise
    except SendRefused:
        raise
    except Exception as exc:  # the cache is down: no limits means no codes (fail closed)
        logger.warning("SMS limits unavailable", exc_info=True)
        raise SendRefused(_("Codes cannot be sent right now. Please try again later."), status=503) from exc
    if not deliver:
        return Sent(phone=phone, delivered=False)
    code = f"{secrets.randbelow(10**6):06d}"
    key = _code_key(purpose, phone, subject)
    cache.set(key, _hash_code(purpose, phone, subject, code), CODE_TTL)
    cache.delete(f"{key}:tries")
    try:
        sms.send_code(phone=phone, code=code, purpose=purpose)
    except sms.SMSError as exc:
        logger.error("SMS to %s failed: %s", phone[:6], exc)
        cache.delete(key)
        cache.delete(minute_key)  # nothing arrived: the resident may ask again at once
        raise SendRefused(_("The SMS could not be sent. Please try again later."), status=503) from exc
    return Sent(phone=phone, delivered=True)


def check_code(*, phone, purpose, code, subject="", consume=True):
    """True once for the right code: the code is then used up. Counts every try first.

    ``consume=False`` checks (and counts the try) but leaves the code for :func:`use_code`, for a
    form that has more to check once it knows whose code it is.
    """
    phone = str(phone)
    code = str(code or "").strip()
    key = _code_key(purpose, phone, subject)
    try:
        stored = cache.get(key)
        if stored is None:
            return False
        if counters.hit(f"{key}:tries", CODE_TTL) > MAX_TRIES:
            cache.delete(key)  # burnt: the resident must ask for a new one
            return False
        if not (len(code) == 6 and code.isascii() and code.isdigit()):
            return False
        if not hmac.compare_digest(stored, _hash_code(purpose, phone, subject, code)):
            return False
        return bool(cache.delete(key)) if consume else True
    except Exception:
        logger.warning("SMS codes unavailable", exc_info=True)
        return False


def use_code(*, phone, purpose, subject=""):
    """Use up a code :func:`check_code` accepted; False when another request used it first."""
    try:
        # Single use: of two requests with the right code, only the one whose delete removed it wins.
        return bool(cache.delete(_code_key(purpose, str(phone), subject)))
    except Exception:
        logger.warning("SMS codes unavailable", exc_info=True)
        return False
