"""Old Discuz! (UCenter) password hashes: they log in, and the first login upgrades them to Argon2."""

import hashlib

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher, make_password

from accounts.hashers import DiscuzBcryptPasswordHasher, DiscuzMD5PasswordHasher
from news.articles.factories import make_user

HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "accounts.hashers.DiscuzMD5PasswordHasher",
    "accounts.hashers.DiscuzBcryptPasswordHasher",
]
# The example of PHP's password_verify() manual page: a hash PHP itself wrote.
PHP_HASH = "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a"


@pytest.fixture(autouse=True)
def _hashers(settings):
    settings.PASSWORD_HASHERS = HASHERS


def ucenter(password, salt, encoding="utf-8"):
    inner = hashlib.md5(password.encode(encoding), usedforsecurity=False).hexdigest()
    return hashlib.md5((inner + salt).encode(), usedforsecurity=False).hexdigest()


def test_ucenter_md5_checks_the_password():
    encoded = f"discuz_md5$a1b2c3${ucenter('禹州123456', 'a1b2c3')}"
    assert check_password("禹州123456", encoded)
    assert not check_password("禹州123457", encoded)


def test_ucenter_md5_accepts_a_gbk_era_hash():
    encoded = f"discuz_md5$9f8e7d${ucenter('钧瓷之都', '9f8e7d', 'gbk')}"
    assert check_password("钧瓷之都", encoded)


def test_ucenter_md5_uppercase_hex_and_odd_salt():
    encoded = f"discuz_md5$x$y%${ucenter('pw', 'x$y%').upper()}"
    assert check_password("pw", encoded)


def test_php_bcrypt_hash_checks_the_password():
    assert check_password("rasmuslerdorf", f"discuz_bcrypt${PHP_HASH}")
    assert not check_password("rasmuslerdorF", f"discuz_bcrypt${PHP_HASH}")


def test_damaged_bcrypt_hash_never_matches():
    assert not check_password("rasmuslerdorf", "discuz_bcrypt$$2y$10$short")


def test_encoders_round_trip():
    assert check_password("s3cret", make_password("s3cret", hasher="discuz_md5"))
    encoded = make_password("s3cret", hasher="discuz_bcrypt")
    assert encoded.startswith("discuz_bcrypt$$2y$10$")
    assert check_password("s3cret", encoded)


def test_safe_summaries_mask_the_hash():
    md5 = DiscuzMD5PasswordHasher().safe_summary(f"discuz_md5$abcdef${ucenter('x', 'abcdef')}")
    assert md5["algorithm"] == "discuz_md5" and "*" in md5["hash"]
    summary = DiscuzBcryptPasswordHasher().safe_summary(f"discuz_bcrypt${PHP_HASH}")
    assert summary["work factor"] == 10


def test_check_password_wants_argon2():
    encoded = f"discuz_md5$abcdef${ucenter('x', 'abcdef')}"
    upgraded = []
    assert check_password("x", encoded, setter=upgraded.append)
    assert upgraded == ["x"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "encoded"),
    [
        ("老密码abc", f"discuz_md5$q1w2e3${ucenter('老密码abc', 'q1w2e3')}"),
        ("rasmuslerdorf", f"discuz_bcrypt${PHP_HASH}"),
    ],
)
def test_old_password_logs_in_and_becomes_argon2(client, password, encoded):
    user = make_user("olduser")
    user.password = encoded
    user.save(update_fields=["password"])
    response = client.post("/accounts/login/", {"username": "olduser", "password": password})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    user.refresh_from_db()
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.check_password(password)
