"""SMS codes under 30 parallel requests, on the production stack: PostgreSQL and Redis.

Every limit of accounts/phone.py is one atomic operation in the shared cache (SET NX, INCR, DEL)
taken before the slow part; these tests start 30 threads at a barrier and count what got
through. They run on PostgreSQL (CI's PostgreSQL pass) against the local Redis, whatever
REDIS_URL says (SQLite serialises every writer and the local-memory cache is one process's:
there is no race to lose there)::

    DATABASE_URL=postgres://... pytest tests/accounts/test_phone_races.py
"""

import threading
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from accounts import backends, phone, sms, throttle
from accounts.models import User
from news.articles.factories import make_user
from tests.viewcounts.test_viewcount import needs_redis

THREADS = 30
E164 = "+8613812345678"
NUMBER = "13812345678"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs PostgreSQL"),
    needs_redis,
]


@pytest.fixture(autouse=True)
def redis_cache(settings):
    """The production cache (Redis), whatever REDIS_URL says: its atomicity is what is raced."""
    settings.CACHES = {
        "default": {
            "BACKEND": "yzgz.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:6379/14",
            "KEY_PREFIX": "yzgz-phone-races",
        }
    }
    cache.clear()
    yield
    cache.clear()


def run_together(jobs):
    """Run each job in its own thread, all released at once; their results in order."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)
    errors = []

    def wrap(index, job):
        try:
            barrier.wait()
            results[index] = job()
        except Exception as exc:  # surfaced in the main thread below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=wrap, args=(index, job)) for index, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


@pytest.fixture(autouse=True)
def outbox(settings):
    assert connection.vendor == "postgresql"
    settings.SMS_BACKEND = "accounts.sms.LocmemBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def comparisons(monkeypatch):
    """How many times check_code compared a code with the stored hash."""
    count = []
    lock = threading.Lock()
    real_compare = phone.hmac.compare_digest

    def compare_digest(a, b):
        with lock:
            count.append(1)
        return real_compare(a, b)

    monkeypatch.setattr(phone, "hmac", SimpleNamespace(new=phone.hmac.new, compare_digest=compare_digest))
    return count


def issue(number=E164, purpose="verify", subject=""):
    phone.send_code(phone=number, purpose=purpose, subject=subject)
    return sms.outbox[-1]["code"]


def wrong(code, n=0):
    return f"{(int(code) + 1 + n) % 10**6:06d}"


def send_or_refusal(**kwargs):
    def job():
        try:
            phone.send_code(**kwargs)
        except phone.SendRefused as refused:
            return refused.status
        return "sent"

    return job


def redis_ttl(key):
    """The seconds Redis will keep one of our cache keys."""
    full_key = cache.make_and_validate_key(key)
    return cache._cache.get_client(full_key).ttl(full_key)


def test_redis_keeps_a_code_five_minutes_and_the_resend_lock_one():
    """What tests/accounts/test_phone.py checks by moving a local-memory clock, read from Redis."""
    code = issue()
    key = phone._code_key("verify", E164, "")
    assert phone.CODE_TTL - 5 <= redis_ttl(key) <= phone.CODE_TTL
    assert phone.RESEND_INTERVAL - 5 <= redis_ttl(f"sms:minute:{phone._digest(E164)}") <= phone.RESEND_INTERVAL
    assert 24 * 3600 - 5 <= redis_ttl(f"sms:day:{phone._digest(E164)}") <= 24 * 3600
    assert phone.check_code(phone=E164, purpose="verify", code=wrong(code)) is False
    assert phone.CODE_TTL - 5 <= redis_ttl(f"{key}:tries") <= phone.CODE_TTL


def test_thirty_sends_for_one_number_send_one_sms(outbox):
    results = run_together([send_or_refusal(phone=E164, purpose="login") for _ in range(THREADS)])
    assert results.count("sent") == 1
    assert results.count(429) == THREADS - 1
    assert len(outbox) == 1


def test_thirty_sends_from_one_address_send_the_hourly_limit(outbox):
    numbers = [f"+861380000{n:04d}" for n in range(THREADS)]
    results = run_together([send_or_refusal(phone=number, purpose="login", ip="203.0.113.9") for number in numbers])
    assert results.count("sent") == phone.HOURLY_SENDS_PER_IP
    assert len(outbox) == phone.HOURLY_SENDS_PER_IP


def test_thirty_wrong_guesses_compare_at_most_five_and_burn_the_code(comparisons):
    code = issue()
    results = run_together(
        [lambda n=n: phone.check_code(phone=E164, purpose="verify", code=wrong(code, n)) for n in range(THREADS)]
    )
    assert not any(results)
    assert len(comparisons) <= phone.MAX_TRIES
    assert phone.check_code(phone=E164, purpose="verify", code=code) is False


def test_thirty_requests_with_the_right_code_succeed_once():
    code = issue()
    results = run_together([lambda: phone.check_code(phone=E164, purpose="verify", code=code) for _ in range(THREADS)])
    assert results.count(True) == 1


# --- through the pages ---------------------------------------------------------------------


@pytest.fixture
def backend_calls(monkeypatch):
    """How many attempts got past the throttle to the phone-code backend."""
    calls = []
    lock = threading.Lock()
    real_authenticate = backends.PhoneCodeBackend.authenticate

    def authenticate(self, request, phone=None, sms_code=None, **kwargs):
        if phone is not None:
            with lock:
                calls.append(phone)
        return real_authenticate(self, request, phone=phone, sms_code=sms_code, **kwargs)

    monkeypatch.setattr(backends.PhoneCodeBackend, "authenticate", authenticate)
    return calls


def phone_login(code, number=NUMBER, address="127.0.0.1"):
    def job():
        response = Client().post(
            reverse("accounts:login-phone"),
            {"phone": number, "code": code, "action": "submit"},
            REMOTE_ADDR=address,
        )
        return response.status_code

    return job


def test_thirty_wrong_codes_for_one_number_reach_the_backend_five_times(backend_calls):
    make_user("linked", phone=E164, phone_verified_at="2024-01-01T00:00Z")
    code = issue(purpose="login")
    results = run_together([phone_login(wrong(code, n), address=f"10.60.0.{n}") for n in range(THREADS)])
    assert 0 < len(backend_calls) <= throttle.LOGIN_MAX_FAILURES
    assert set(results) <= {400, 429}
    assert results.count(429) >= THREADS - throttle.LOGIN_MAX_FAILURES
    assert phone_login(code, address="10.60.1.1")() == 429


def test_thirty_wrong_codes_from_one_address_reach_the_backend_five_times(backend_calls):
    numbers = [f"1380000{n:04d}" for n in range(THREADS)]
    User.objects.bulk_create(
        User(username=f"resident{n}", phone=f"+86{number}", phone_verified_at="2024-01-01T00:00Z")
        for n, number in enumerate(numbers)
    )
    results = run_together([phone_login("000000", number, address="10.61.0.1") for number in numbers])
    assert 0 < len(backend_calls) <= throttle.LOGIN_MAX_FAILURES
    assert results.count(429) >= THREADS - throttle.LOGIN_MAX_FAILURES


def test_thirty_accounts_linking_one_number_at_once_give_it_to_one(outbox):
    """Each has its own code for the number; the unique index decides, and nobody sees a 500."""
    clients = []
    for n in range(THREADS):
        user = make_user(f"linker{n}")
        client = Client()
        client.force_login(user)
        # Only a test gets 30 codes for one number in a minute: forget the limits between sends.
        cache.delete_many([f"sms:minute:{phone._digest(E164)}", f"sms:day:{phone._digest(E164)}"])
        clients.append((client, issue(subject=user.pk)))

    def link(client, code):
        def job():
            response = client.post(reverse("accounts:phone"), {"phone": NUMBER, "code": code, "action": "submit"})
            return response.status_code

        return job

    results = run_together([link(client, code) for client, code in clients])
    assert results.count(302) == 1
    assert set(results) <= {302, 400, 409}
    assert User.objects.filter(phone=E164).count() == 1
