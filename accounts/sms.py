"""Text messages with a one-time code, sent through a backend named in settings.

Like Django's e-mail backends: ``settings.SMS_BACKEND`` is the dotted path of a class, and
:func:`send_code` hands each message to a fresh instance of it::

    from accounts import sms
    sms.send_code(phone="+8613812345678", code="123456", purpose="login")

* :class:`ConsoleBackend` (the default) prints the text, for development.
* :class:`LocmemBackend` keeps it in :data:`outbox`, for tests.
* :class:`FileBackend` appends a JSON line to ``settings.SMS_FILE_PATH``, for a shared staging box.
* :class:`AliyunBackend` and :class:`TencentBackend` send through Alibaba Cloud's or Tencent
  Cloud's SMS service, with their documented request signatures (:func:`aliyun_signature`,
  :func:`tencent_authorization`) and nothing but ``urllib`` — no vendor SDK to install.

The real backends raise ``ImproperlyConfigured`` when a setting is missing and :class:`SMSError`
when the provider refuses or cannot be reached. An ``SMSError``'s text names the provider, its
error code and request id; it never carries a key, the code or the provider's free-text message
(Alibaba echoes the whole signed request there).

The text of the message is Chinese on purpose, outside the translation machinery: it stands for
the template the provider approved, which is sent whatever language the site speaks.
"""

import base64
import datetime
import hashlib
import hmac
import http.client
import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

DEFAULT_BACKEND = "accounts.sms.ConsoleBackend"
DEFAULT_SIGN_NAME = "禹州关注"
TIMEOUT = 5  # seconds for a provider to answer; the user is waiting on the form

# What each purpose says in the text of the console, locmem and file backends.
PURPOSES = {"verify": "绑定手机号", "login": "登录", "reset": "重设密码"}
VALID_MINUTES = 5

E164 = re.compile(r"\+[1-9][0-9]{6,14}")
CODE = re.compile(r"[0-9]{6}")

# Sent messages of LocmemBackend, like django.core.mail.outbox: tests clear it.
outbox = []


class SMSError(Exception):
    """The provider refused the message or could not be reached. The text is safe to log."""


def get_backend():
    """A new instance of the backend named by ``settings.SMS_BACKEND``."""
    return import_string(getattr(settings, "SMS_BACKEND", DEFAULT_BACKEND))()


def send_code(*, phone, code, purpose):
    """Send ``code`` to ``phone`` (E.164, e.g. "+8613812345678") for ``purpose``.

    Raises ``ValueError`` for a malformed phone number, code or purpose, ``SMSError`` when the
    message could not be sent.
    """
    if not isinstance(phone, str) or not E164.fullmatch(phone):
        raise ValueError("phone must be an E.164 number such as +8613812345678")
    if not isinstance(code, str) or not CODE.fullmatch(code):
        raise ValueError("code must be six digits")
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {', '.join(PURPOSES)}")
    get_backend().send_code(phone=phone, code=code, purpose=purpose)


def message_text(*, code, purpose):
    """The text a resident reads, as the provider's approved template would render it."""
    sign_name = getattr(settings, "SMS_SIGN_NAME", "") or DEFAULT_SIGN_NAME
    return f"【{sign_name}】验证码 {code}，用于{PURPOSES[purpose]}，{VALID_MINUTES}分钟内有效。"


def _record(*, phone, code, purpose):
    return {"phone": phone, "code": code, "purpose": purpose, "text": message_text(code=code, purpose=purpose)}


class BaseBackend:
    """Sends one code; subclasses read their settings in ``__init__`` and implement ``send_code``."""

    def send_code(self, *, phone, code, purpose):
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    """Writes one line per message to ``stream`` (standard output), for development."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send_code(self, *, phone, code, purpose):
        self.stream.write(f"SMS to {phone}: {message_text(code=code, purpose=purpose)}\n")
        self.stream.flush()


class LocmemBackend(BaseBackend):
    """Appends each message to :data:`outbox`, for tests."""

    def send_code(self, *, phone, code, purpose):
        outbox.append(_record(phone=phone, code=code, purpose=purpose))


class FileBackend(BaseBackend):
    """Appends each message as one JSON line to ``settings.SMS_FILE_PATH``."""

    def __init__(self):
        path = getattr(settings, "SMS_FILE_PATH", None)
        if not path:
            raise ImproperlyConfigured("FileBackend needs SMS_FILE_PATH.")
        self.path = Path(path)

    def send_code(self, *, phone, code, purpose):
        record = _record(phone=phone, code=code, purpose=purpose)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as file:
                file.write(json.dumps(record, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise SMSError(f"could not write to the SMS file ({exc.__class__.__name__})") from exc


def _required(backend, names):
    """The values of settings ``names``; ImproperlyConfigured naming every one that is empty."""
    values = {name: getattr(settings, name, None) for name in names}
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise ImproperlyConfigured(f"{backend} needs {', '.join(missing)}.")
    return values


def _templates(backend):
    templates = getattr(settings, "SMS_TEMPLATES", None) or {}
    missing = [purpose for purpose in PURPOSES if not templates.get(purpose)]
    if missing:
        raise ImproperlyConfigured(f"{backend} needs SMS_TEMPLATES for {', '.join(missing)}.")
    return templates


def _post(provider, request):
    """The provider's JSON answer to ``request``; SMSError when there is none to read."""
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 (a fixed https URL)
            body = response.read()
    except urllib.error.HTTPError as exc:
        # Refusals (a bad signature, an unknown key) often come with a 4xx and a JSON body.
        body = exc.read()
        if not body:
            raise SMSError(f"{provider} answered HTTP {exc.code}") from exc
    except (OSError, http.client.HTTPException) as exc:  # URLError, timeouts, resets
        raise SMSError(f"{provider} could not be reached ({exc.__class__.__name__})") from exc
    try:
        return json.loads(body)
    except ValueError as exc:
        raise SMSError(f"{provider} gave an answer that is not JSON") from exc


# Alibaba Cloud ------------------------------------------------------------------------------


def percent_encode(value):
    """Alibaba's RPC encoding: RFC 3986 over UTF-8; only A-Z a-z 0-9 - _ . ~ stay as they are."""
    return urllib.parse.quote(str(value), safe="-_.~")


def aliyun_string_to_sign(params, method="GET"):
    """``METHOD&%2F&`` + the percent-encoded, sorted, percent-encoded query (Signature excluded)."""
    query = "&".join(
        f"{percent_encode(key)}={percent_encode(value)}" for key, value in sorted(params.items()) if key != "Signature"
    )
    return f"{method}&{percent_encode('/')}&{percent_encode(query)}"


def aliyun_signature(params, secret, method="GET"):
    """The ``Signature`` parameter of an RPC request: HMAC-SHA1 keyed by ``secret + "&"``, base64."""
    digest = hmac.new(f"{secret}&".encode(), aliyun_string_to_sign(params, method).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def aliyun_phone_number(phone):
    """dysmsapi's form of an E.164 number: mainland numbers without +86, others without the +."""
    return phone.removeprefix("+86") if phone.startswith("+86") else phone.removeprefix("+")


class AliyunBackend(BaseBackend):
    """Alibaba Cloud SMS (dysmsapi ``SendSms``), an RPC API signed with HMAC-SHA1."""

    host = "dysmsapi.aliyuncs.com"
    version = "2017-05-25"

    def __init__(self):
        values = _required(
            "AliyunBackend", ["SMS_ALIYUN_ACCESS_KEY_ID", "SMS_ALIYUN_ACCESS_KEY_SECRET", "SMS_SIGN_NAME"]
        )
        self.access_key_id = values["SMS_ALIYUN_ACCESS_KEY_ID"]
        self.access_key_secret = values["SMS_ALIYUN_ACCESS_KEY_SECRET"]
        self.sign_name = values["SMS_SIGN_NAME"]
        self.templates = _templates("AliyunBackend")

    def send_code(self, *, phone, code, purpose):
        params = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": aliyun_phone_number(phone),
            "RegionId": "cn-hangzhou",
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": self.templates[purpose],
            "TemplateParam": json.dumps({"code": code}, separators=(",", ":")),
            "Timestamp": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": self.version,
        }
        params["Signature"] = aliyun_signature(params, self.access_key_secret, "POST")
        # POST keeps the code out of the URL, which proxies and error messages repeat.
        body = "&".join(f"{percent_encode(key)}={percent_encode(value)}" for key, value in params.items())
        request = urllib.request.Request(
            f"https://{self.host}/",
            data=body.encode(),
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Accept": "application/json"},
        )
        answer = _post("Aliyun SMS", request)
        if not isinstance(answer, dict):
            raise SMSError("Aliyun SMS gave an answer that is not a JSON object")
        if answer.get("Code") != "OK":
            error_code, request_id = answer.get("Code") or "no code", answer.get("RequestId") or "-"
            raise SMSError(f"Aliyun SMS refused the message: {error_code} (request {request_id})")


# Tencent Cloud ------------------------------------------------------------------------------

TENCENT_CONTENT_TYPE = "application/json; charset=utf-8"


def _sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def _tc3_date(timestamp):
    """The credential scope's date: UTC, never the server's zone (1551113065 is 2019-02-25)."""
    return datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%d")


def tencent_canonical_request(*, host, action, payload, content_type=TENCENT_CONTENT_TYPE):
    """Step 1 of TC3-HMAC-SHA256 for a POST to ``/``, signing content-type, host and x-tc-action."""
    headers = f"content-type:{content_type.lower()}\nhost:{host.lower()}\nx-tc-action:{action.lower()}\n"
    return f"POST\n/\n\n{headers}\ncontent-type;host;x-tc-action\n{_sha256_hex(payload)}"


def tencent_string_to_sign(canonical_request, *, timestamp, service):
    """Step 2: algorithm, timestamp, credential scope and the hash of the canonical request."""
    scope = f"{_tc3_date(timestamp)}/{service}/tc3_request"
    return f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{_sha256_hex(canonical_request.encode())}"


def tencent_signature(string_to_sign, *, secret_key, timestamp, service):
    """Step 3: HMAC-SHA256 under a key derived from "TC3" + secret, the date, the service, "tc3_request"."""
    key = f"TC3{secret_key}".encode()
    for part in (_tc3_date(timestamp), service, "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def tencent_authorization(
    *, secret_id, secret_key, service, host, action, payload, timestamp, content_type=TENCENT_CONTENT_TYPE
):
    """The ``Authorization`` header of a Tencent Cloud API 3.0 POST of ``payload`` (bytes)."""
    canonical = tencent_canonical_request(host=host, action=action, payload=payload, content_type=content_type)
    string_to_sign = tencent_string_to_sign(canonical, timestamp=timestamp, service=service)
    signature = tencent_signature(string_to_sign, secret_key=secret_key, timestamp=timestamp, service=service)
    return (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{_tc3_date(timestamp)}/{service}/tc3_request, "
        f"SignedHeaders=content-type;host;x-tc-action, Signature={signature}"
    )


class TencentBackend(BaseBackend):
    """Tencent Cloud SMS (API 3.0 ``SendSms``, version 2021-01-11), signed with TC3-HMAC-SHA256."""

    host = "sms.tencentcloudapi.com"
    service = "sms"
    version = "2021-01-11"

    def __init__(self):
        values = _required(
            "TencentBackend",
            ["SMS_TENCENT_SECRET_ID", "SMS_TENCENT_SECRET_KEY", "SMS_TENCENT_SDK_APP_ID", "SMS_SIGN_NAME"],
        )
        self.secret_id = values["SMS_TENCENT_SECRET_ID"]
        self.secret_key = values["SMS_TENCENT_SECRET_KEY"]
        self.sdk_app_id = str(values["SMS_TENCENT_SDK_APP_ID"])
        self.sign_name = values["SMS_SIGN_NAME"]
        self.region = getattr(settings, "SMS_TENCENT_REGION", "") or "ap-guangzhou"
        self.templates = _templates("TencentBackend")

    def send_code(self, *, phone, code, purpose):
        payload = json.dumps(
            {
                "PhoneNumberSet": [phone],
                "SmsSdkAppId": self.sdk_app_id,
                "SignName": self.sign_name,
                "TemplateId": str(self.templates[purpose]),
                "TemplateParamSet": [code],
            },
            ensure_ascii=False,
        ).encode()
        timestamp = int(time.time())
        action = "SendSms"
        authorization = tencent_authorization(
            secret_id=self.secret_id,
            secret_key=self.secret_key,
            service=self.service,
            host=self.host,
            action=action,
            payload=payload,
            timestamp=timestamp,
        )
        request = urllib.request.Request(
            f"https://{self.host}/",
            data=payload,
            method="POST",
            headers={
                "Authorization": authorization,
                "Content-Type": TENCENT_CONTENT_TYPE,
                "Host": self.host,
                "X-TC-Action": action,
                "X-TC-Timestamp": str(timestamp),
                "X-TC-Version": self.version,
                "X-TC-Region": self.region,
            },
        )
        answer = _post("Tencent SMS", request)
        response = answer.get("Response") if isinstance(answer, dict) else None
        if not isinstance(response, dict):
            raise SMSError("Tencent SMS gave an answer without a Response")
        request_id = response.get("RequestId") or "-"
        if response.get("Error"):
            error_code = (response["Error"] or {}).get("Code") or "no code"
            raise SMSError(f"Tencent SMS refused the request: {error_code} (request {request_id})")
        statuses = response.get("SendStatusSet") or [None]
        status_code = statuses[0].get("Code") if isinstance(statuses[0], dict) else None
        if status_code != "Ok":
            raise SMSError(f"Tencent SMS refused the message: {status_code or 'no code'} (request {request_id})")
