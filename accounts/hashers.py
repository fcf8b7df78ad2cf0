"""Password hashers for accounts imported from the old Discuz! portal (UCenter).

Members keep logging in with their old password. Both hashers come after Argon2 in
``PASSWORD_HASHERS``, so Django's ``check_password`` re-hashes the password with Argon2 on
the first successful login and the old hash is gone from then on.

* ``discuz_md5$<salt>$<hash>``: Discuz! X3.4's UCenter format, ``md5(md5(password) + salt)``.
* ``discuz_bcrypt$<hash>``: Discuz! X3.5's PHP ``password_hash()`` (bcrypt, ``$2y$``).

:mod:`news.legacy.importer` writes these; nothing else creates them.
"""

import hashlib

from django.contrib.auth.hashers import BasePasswordHasher, mask_hash
from django.utils.crypto import constant_time_compare, get_random_string
from django.utils.translation import gettext_noop as _

# PHP hashes the bytes it was given: UTF-8 on a utf8 site, GBK on an old GBK install.
_ENCODINGS = ("utf-8", "gbk")


def _candidates(password):
    """The byte strings the old site may have hashed for ``password``."""
    seen = []
    for encoding in _ENCODINGS:
        try:
            data = password.encode(encoding)
        except UnicodeEncodeError:
            continue
        if data not in seen:
            seen.append(data)
    return seen


def ucenter_md5(data, salt):
    """``md5(md5(password) + salt)`` as UCenter computes it, for password bytes ``data``."""
    inner = hashlib.md5(data, usedforsecurity=False).hexdigest()
    return hashlib.md5((inner + salt).encode(), usedforsecurity=False).hexdigest()


class DiscuzMD5PasswordHasher(BasePasswordHasher):
    """UCenter's salted double MD5 (Discuz! X3.4). Verify only: logging in upgrades it."""

    algorithm = "discuz_md5"

    def salt(self):
        return get_random_string(6)

    def encode(self, password, salt):
        if not salt or "$" in salt:
            raise ValueError("A UCenter salt is non-empty and has no '$'.")
        return f"{self.algorithm}${salt}${ucenter_md5(password.encode(), salt)}"

    def decode(self, encoded):
        algorithm, rest = encoded.split("$", 1)
        salt, hash_ = rest.rsplit("$", 1)
        if algorithm != self.algorithm:
            raise ValueError("not a discuz_md5 hash")
        return {"algorithm": algorithm, "hash": hash_, "salt": salt}

    def verify(self, password, encoded):
        decoded = self.decode(encoded)
        expected = decoded["hash"].lower()
        matched = False
        for data in _candidates(password):
            # No early exit: every candidate costs the same whichever matches.
            matched |= constant_time_compare(ucenter_md5(data, decoded["salt"]), expected)
        return matched

    def safe_summary(self, encoded):
        decoded = self.decode(encoded)
        return {
            _("algorithm"): decoded["algorithm"],
            _("salt"): mask_hash(decoded["salt"], show=2),
            _("hash"): mask_hash(decoded["hash"]),
        }

    def must_update(self, encoded):
        return True

    def harden_runtime(self, password, encoded):
        pass


class DiscuzBcryptPasswordHasher(BasePasswordHasher):
    """PHP ``password_hash()`` bcrypt (``$2y$``, Discuz! X3.5). Verify only: logging in upgrades it."""

    algorithm = "discuz_bcrypt"
    library = "bcrypt"
    rounds = 10  # PHP's default cost

    def salt(self):
        bcrypt = self._load_library()
        return bcrypt.gensalt(self.rounds).decode("ascii")

    def encode(self, password, salt):
        bcrypt = self._load_library()
        hashed = bcrypt.hashpw(password.encode()[:72], salt.encode("ascii")).decode("ascii")
        return f"{self.algorithm}${hashed.replace('$2b$', '$2y$', 1)}"

    def decode(self, encoded):
        algorithm, hash_ = encoded.split("$", 1)
        if algorithm != self.algorithm:
            raise ValueError("not a discuz_bcrypt hash")
        return {"algorithm": algorithm, "hash": hash_, "work_factor": int(hash_.split("$")[2])}

    def verify(self, password, encoded):
        bcrypt = self._load_library()
        stored = self.decode(encoded)["hash"]
        # PHP writes $2y$, the same algorithm as $2b$; PHP also ignores bytes past the 72nd.
        stored = ("$2b$" + stored[4:] if stored.startswith("$2y$") else stored).encode("ascii")
        matched = False
        for data in _candidates(password):
            try:
                matched |= bcrypt.checkpw(data[:72], stored)
            except ValueError:  # a damaged hash never matches
                return False
        return matched

    def safe_summary(self, encoded):
        decoded = self.decode(encoded)
        return {
            _("algorithm"): decoded["algorithm"],
            _("work factor"): decoded["work_factor"],
            _("hash"): mask_hash(decoded["hash"]),
        }

    def must_update(self, encoded):
        return True

    def harden_runtime(self, password, encoded):
        pass
