"""SMS backends (accounts/sms.py): the providers' documented signing examples, then each backend.

The signing tests check our functions against the worked examples Alibaba Cloud and Tencent Cloud
publish, byte for byte, rather than against values we computed ourselves. No test touches the
network: ``urllib.request.urlopen`` is replaced by :class:`FakeProvider`, which records the request.
"""

import base64
import hashlib
import hmac
import io
import json
import time
import urllib.error
import urllib.parse

import pytest
from django.core.exceptions import ImproperlyConfigured

from accounts import sms

PHONE = "+8613812345678"
CODE = "123456"

# -- Alibaba Cloud: the documented RPC signature examples ------------------------------------

# "RPC API签名", 示例 (github.com/AlibabaCloudDocs/api, cn.zh-CN/阿里云API介绍/签名机制/RPC API签名.md):
# DescribeRegions with AccessKey testid / testsecret, signed with "testsecret&".
ALIYUN_DOC_PARAMS = {
    "Timestamp": "2016-02-23T12:46:24Z",
    "Format": "XML",
    "AccessKeyId": "testid",
    "Action": "DescribeRegions",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
    "Version": "2014-05-26",
    "SignatureVersion": "1.0",
}

# The ECS "Sign signatures" page (alibabacloud.com/help/doc-detail/28139.htm) signs the same request
# with the parameter spelled "TimeStamp", and prints its StringToSign. The printed string joins the
# pairs with a bare "&" where the rules (and the published signature) need "%26", the encoded "&".
ECS_DOC_STRING_TO_SIGN = (
    "GET&%2F&AccessKeyId%3Dtestid&Action%3DDescribeRegions&Format%3DXML&SignatureMethod%3DHMAC-SHA1"
    "&SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf&SignatureVersion%3D1.0"
    "&TimeStamp%3D2016-02-23T12%253A46%253A24Z&Version%3D2014-05-26"
)

# 短信服务 "HTTP协议及签名" (help.aliyun.com/document_detail/56189.html): SendSms with testId / testSecret.
ALIYUN_SMS_DOC_PARAMS = {
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    "AccessKeyId": "testId",
    "SignatureVersion": "1.0",
    "Timestamp": "2017-07-12T02:42:19Z",
    "Format": "XML",
    "Action": "SendSms",
    "Version": "2017-05-25",
    "RegionId": "cn-hangzhou",
    "PhoneNumbers": "15300000001",
    "SignName": "阿里云短信测试专用",
    "TemplateParam": '{"customer":"test"}',
    "TemplateCode": "SMS_71390007",
    "OutId": "123",
}
ALIYUN_SMS_DOC_STRING_TO_SIGN = (
    "GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123"
    "%26PhoneNumbers%3D15300000001%26RegionId%3Dcn-hangzhou%26SignName%3D%25E9%2598%25BF%25E9%2587%258C"
    "%25E4%25BA%2591%25E7%259F%25AD%25E4%25BF%25A1%25E6%25B5%258B%25E8%25AF%2595%25E4%25B8%2593%25E7%2594%25A8"
    "%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D45e25e9b-0a6f-4070-8c85-2956eda1b466"
    "%26SignatureVersion%3D1.0%26TemplateCode%3DSMS_71390007%26TemplateParam%3D%257B%2522customer%2522"
    "%253A%2522test%2522%257D%26Timestamp%3D2017-07-12T02%253A42%253A19Z%26Version%3D2017-05-25"
)


def test_aliyun_signature_reproduces_the_rpc_signing_doc_example():
    assert sms.aliyun_signature(ALIYUN_DOC_PARAMS, "testsecret") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_aliyun_string_to_sign_and_signature_reproduce_the_ecs_doc_example():
    params = {("TimeStamp" if key == "Timestamp" else key): value for key, value in ALIYUN_DOC_PARAMS.items()}
    method_and_path = "GET&%2F&"
    corrected = method_and_path + ECS_DOC_STRING_TO_SIGN.removeprefix(method_and_path).replace("&", "%26")
    assert sms.aliyun_string_to_sign(params) == corrected
    assert sms.aliyun_signature(params, "testsecret") == "CT9X0VtwR86fNWSnsc6v8YGOjuE="


def test_aliyun_signature_reproduces_the_sms_doc_example_with_a_chinese_sign_name():
    assert sms.aliyun_string_to_sign(ALIYUN_SMS_DOC_PARAMS) == ALIYUN_SMS_DOC_STRING_TO_SIGN
    signature = sms.aliyun_signature(ALIYUN_SMS_DOC_PARAMS, "testSecret")
    assert signature == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    assert sms.percent_encode(signature) == "zJDF%2BLrzhj%2FThnlvIToysFRq6t4%3D"  # as in the doc's URL


def test_aliyun_percent_encoding_follows_the_documented_rules():
    """Space is %20 (not +), * is %2A, ~ stays, UTF-8 bytes are upper-case %XY."""
    assert sms.percent_encode("a b*c~d-e_f.g") == "a%20b%2Ac~d-e_f.g"
    assert sms.percent_encode("阿里") == "%E9%98%BF%E9%87%8C"
    assert sms.percent_encode('{"code":"1"}') == "%7B%22code%22%3A%221%22%7D"


def test_aliyun_string_to_sign_names_the_http_method_and_leaves_out_the_signature():
    params = {**ALIYUN_DOC_PARAMS, "Signature": "anything"}
    assert sms.aliyun_string_to_sign(params, "POST") == "POST" + sms.aliyun_string_to_sign(ALIYUN_DOC_PARAMS)[3:]


# -- Tencent Cloud: the documented TC3-HMAC-SHA256 example -----------------------------------

# "签名方法 v3" (cloud.tencent.com/document/api/213/30654): CVM DescribeInstances at 1551113065.
# The page masks its demo keys as "AKID" + 32 asterisks and 32 asterisks, and every value it
# publishes (derived keys, signature) is computed over exactly those strings.
TC3_DOC_PAYLOAD = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
TC3_DOC_TIMESTAMP = 1551113065
TC3_DOC_CANONICAL_REQUEST = (
    "POST\n/\n\n"
    "content-type:application/json; charset=utf-8\n"
    "host:cvm.tencentcloudapi.com\n"
    "x-tc-action:describeinstances\n"
    "\n"
    "content-type;host;x-tc-action\n"
    "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
)
TC3_DOC_STRING_TO_SIGN = (
    "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n"
    "7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84"
)
TC3_DOC_AUTHORIZATION = (
    "TC3-HMAC-SHA256 Credential=AKID********************************/2019-02-25/cvm/tc3_request, "
    "SignedHeaders=content-type;host;x-tc-action, "
    "Signature=10b1a37a7301a02ca19a647ad722d5e43b4b3cff309d421d85b46093f6ab6c4f"
)

# Earlier revisions of the page signed content-type and host only (as the SDKs still do):
# the Chinese page with SecretKey "Gu5t9xGARNpq86cd98joQYCN3*******", the English one with
# "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"; the same payload and timestamp.
TC3_OLD_DOC_CANONICAL_REQUEST = (
    "POST\n/\n\n"
    "content-type:application/json; charset=utf-8\n"
    "host:cvm.tencentcloudapi.com\n"
    "\n"
    "content-type;host\n"
    "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
)
TC3_OLD_DOC_STRING_TO_SIGN = (
    "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n"
    "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
)


def tc3_doc_authorization():
    return sms.tencent_authorization(
        secret_id="AKID" + "*" * 32,
        secret_key="*" * 32,
        service="cvm",
        host="cvm.tencentcloudapi.com",
        action="DescribeInstances",
        payload=TC3_DOC_PAYLOAD,
        timestamp=TC3_DOC_TIMESTAMP,
    )


def test_tencent_canonical_request_and_string_to_sign_are_the_documented_ones():
    canonical = sms.tencent_canonical_request(
        host="cvm.tencentcloudapi.com", action="DescribeInstances", payload=TC3_DOC_PAYLOAD
    )
    assert canonical == TC3_DOC_CANONICAL_REQUEST
    assert sms.tencent_string_to_sign(canonical, timestamp=TC3_DOC_TIMESTAMP, service="cvm") == TC3_DOC_STRING_TO_SIGN


def test_tencent_authorization_reproduces_the_documented_example():
    assert tc3_doc_authorization() == TC3_DOC_AUTHORIZATION


@pytest.mark.parametrize(
    ("secret_key", "signature"),
    [
        ("Gu5t9xGARNpq86cd98joQYCN3*******", "2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"),
        ("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"),
    ],
)
def test_tencent_signature_reproduces_the_earlier_documented_examples(secret_key, signature):
    timestamp = TC3_DOC_TIMESTAMP
    string_to_sign = sms.tencent_string_to_sign(TC3_OLD_DOC_CANONICAL_REQUEST, timestamp=timestamp, service="cvm")
    assert string_to_sign == TC3_OLD_DOC_STRING_TO_SIGN
    assert sms.tencent_signature(string_to_sign, secret_key=secret_key, timestamp=timestamp, service="cvm") == signature


def test_tencent_credential_date_is_utc_on_a_server_in_china(monkeypatch):
    """1551113065 is 2019-02-26 00:44:25 in Beijing; the doc says the scope's date is 2019-02-25."""
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        assert tc3_doc_authorization() == TC3_DOC_AUTHORIZATION
    finally:
        monkeypatch.undo()
        time.tzset()


def sdk_sign_tc3(secret_key, date, service, str2sign):
    """``Sign.sign_tc3`` of tencentcloud-sdk-python (tencentcloud/common/sign.py), as published."""

    def _hmac_sha256(key, msg):
        return hmac.new(key, msg.encode("utf-8"), hashlib.sha256)

    k_date = _hmac_sha256(("TC3" + secret_key).encode("utf-8"), date)
    k_service = _hmac_sha256(k_date.digest(), service)
    k_signing = _hmac_sha256(k_service.digest(), "tc3_request")
    return _hmac_sha256(k_signing.digest(), str2sign).hexdigest()


def test_tencent_signature_agrees_with_the_sdks_derivation_for_an_sms_request():
    payload = json.dumps({"PhoneNumberSet": [PHONE], "TemplateParamSet": [CODE]}).encode()
    canonical = sms.tencent_canonical_request(host="sms.tencentcloudapi.com", action="SendSms", payload=payload)
    string_to_sign = sms.tencent_string_to_sign(canonical, timestamp=1767225600, service="sms")
    assert string_to_sign.split("\n")[2] == "2026-01-01/sms/tc3_request"
    ours = sms.tencent_signature(string_to_sign, secret_key="a-secret-key", timestamp=1767225600, service="sms")
    assert ours == sdk_sign_tc3("a-secret-key", "2026-01-01", "sms", string_to_sign)


# -- The backends' requests, through a fake provider -----------------------------------------


class FakeProvider:
    """Stands in for ``urllib.request.urlopen``: records each request, answers or raises."""

    def __init__(self, answer=None, error=None):
        self.answer = answer
        self.error = error
        self.requests = []
        self.timeouts = []

    def __call__(self, request, timeout=None):
        self.requests.append(request)
        self.timeouts.append(timeout)
        if self.error is not None:
            raise self.error
        body = self.answer if isinstance(self.answer, bytes) else json.dumps(self.answer).encode()
        return io.BytesIO(body)

    @property
    def request(self):
        (request,) = self.requests
        return request


def headers_of(request):
    return {name.lower(): value for name, value in request.header_items()}


def form_of(request):
    return dict(urllib.parse.parse_qsl(request.data.decode(), strict_parsing=True))


ALIYUN_OK = {"Message": "OK", "RequestId": "F655A8D5-B967-440B-8683-DAD6FF8DE990", "Code": "OK", "BizId": "900619746"}
TENCENT_OK = {
    "Response": {
        "SendStatusSet": [{"SerialNo": "5000:1045710669157053657849499619", "PhoneNumber": PHONE, "Code": "Ok"}],
        "RequestId": "a0aabda6-cf91-4f3e-a81f-9198114a2279",
    }
}
TEMPLATES = {"verify": "SMS_100000001", "login": "SMS_100000002", "reset": "SMS_100000003"}
ALIYUN_SECRET = "aliyun-test-secret-value"
TENCENT_SECRET = "tencent-test-secret-value"


@pytest.fixture(autouse=True)
def _empty_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def aliyun(settings):
    settings.SMS_BACKEND = "accounts.sms.AliyunBackend"
    settings.SMS_ALIYUN_ACCESS_KEY_ID = "LTAI-test-id"
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = ALIYUN_SECRET
    settings.SMS_SIGN_NAME = "禹州关注"
    settings.SMS_TEMPLATES = TEMPLATES
    return settings


@pytest.fixture
def tencent(settings):
    settings.SMS_BACKEND = "accounts.sms.TencentBackend"
    settings.SMS_TENCENT_SECRET_ID = "AKID-test-id"
    settings.SMS_TENCENT_SECRET_KEY = TENCENT_SECRET
    settings.SMS_TENCENT_SDK_APP_ID = "1400000001"
    settings.SMS_SIGN_NAME = "禹州关注"
    settings.SMS_TEMPLATES = {"verify": "100001", "login": "100002", "reset": "100003"}
    return settings


def fake(monkeypatch, **kwargs):
    provider = FakeProvider(**kwargs)
    monkeypatch.setattr("urllib.request.urlopen", provider)
    return provider


def test_aliyun_posts_a_signed_send_sms_request(aliyun, monkeypatch):
    provider = fake(monkeypatch, answer=ALIYUN_OK)
    sms.send_code(phone=PHONE, code=CODE, purpose="login")

    request = provider.request
    assert request.full_url == "https://dysmsapi.aliyuncs.com/"
    assert request.get_method() == "POST"
    assert provider.timeouts == [5]
    assert CODE not in request.full_url
    form = form_of(request)
    assert form["Action"] == "SendSms"
    assert form["Version"] == "2017-05-25"
    assert form["AccessKeyId"] == "LTAI-test-id"
    assert form["PhoneNumbers"] == "13812345678"  # dysmsapi's mainland form, without +86
    assert form["SignName"] == "禹州关注"
    assert form["TemplateCode"] == "SMS_100000002"
    assert json.loads(form["TemplateParam"]) == {"code": CODE}
    assert form["SignatureMethod"] == "HMAC-SHA1"
    assert form["SignatureVersion"] == "1.0"
    assert form["Timestamp"].endswith("Z")
    signature = form.pop("Signature")
    assert signature == sms.aliyun_signature(form, ALIYUN_SECRET, "POST")
    assert len(base64.b64decode(signature)) == 20  # an HMAC-SHA1
    assert ALIYUN_SECRET not in request.data.decode()


def test_aliyun_sends_other_countries_with_their_country_code(aliyun, monkeypatch):
    provider = fake(monkeypatch, answer=ALIYUN_OK)
    sms.send_code(phone="+85261234567", code=CODE, purpose="verify")
    assert form_of(provider.request)["PhoneNumbers"] == "85261234567"


def test_aliyun_uses_a_fresh_nonce_for_each_message(aliyun, monkeypatch):
    provider = fake(monkeypatch, answer=ALIYUN_OK)
    sms.send_code(phone=PHONE, code=CODE, purpose="verify")
    sms.send_code(phone=PHONE, code=CODE, purpose="verify")
    first, second = (form_of(request)["SignatureNonce"] for request in provider.requests)
    assert first != second


def test_aliyun_refusal_raises_an_error_that_names_the_code_and_nothing_secret(aliyun, monkeypatch):
    # Alibaba's Message can echo the signed request, template parameter included.
    echo = f"触发天级流控 {PHONE} {CODE} {ALIYUN_SECRET}"
    answer = {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": echo, "RequestId": "R1"}
    fake(monkeypatch, answer=answer)
    with pytest.raises(sms.SMSError) as raised:
        sms.send_code(phone=PHONE, code=CODE, purpose="login")
    text = str(raised.value)
    assert "isv.BUSINESS_LIMIT_CONTROL" in text
    assert "R1" in text
    assert CODE not in text
    assert ALIYUN_SECRET not in text
    assert PHONE not in text


def test_aliyun_http_error_with_a_json_body_is_a_refusal(aliyun, monkeypatch):
    body = json.dumps(
        {
            "Code": "SignatureDoesNotMatch",
            "Message": "Specified signature is not matched with our calculation. server string to sign is:POST&%2F&...",
            "RequestId": "R2",
        }
    ).encode()
    error = urllib.error.HTTPError("https://dysmsapi.aliyuncs.com/", 400, "Bad Request", {}, io.BytesIO(body))
    fake(monkeypatch, error=error)
    with pytest.raises(sms.SMSError, match="SignatureDoesNotMatch") as raised:
        sms.send_code(phone=PHONE, code=CODE, purpose="login")
    assert "string to sign" not in str(raised.value)


def test_tencent_posts_a_signed_send_sms_request(tencent, monkeypatch):
    provider = fake(monkeypatch, answer=TENCENT_OK)
    sms.send_code(phone=PHONE, code=CODE, purpose="reset")

    request = provider.request
    assert request.full_url == "https://sms.tencentcloudapi.com/"
    assert request.get_method() == "POST"
    assert provider.timeouts == [5]
    headers = headers_of(request)
    assert headers["host"] == "sms.tencentcloudapi.com"
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert headers["x-tc-action"] == "SendSms"
    assert headers["x-tc-version"] == "2021-01-11"
    assert headers["x-tc-region"] == "ap-guangzhou"
    assert json.loads(request.data) == {
        "PhoneNumberSet": [PHONE],
        "SmsSdkAppId": "1400000001",
        "SignName": "禹州关注",
        "TemplateId": "100003",
        "TemplateParamSet": [CODE],
    }
    timestamp = int(headers["x-tc-timestamp"])
    assert abs(timestamp - time.time()) < 60
    assert headers["authorization"] == sms.tencent_authorization(
        secret_id="AKID-test-id",
        secret_key=TENCENT_SECRET,
        service="sms",
        host="sms.tencentcloudapi.com",
        action="SendSms",
        payload=request.data,
        timestamp=timestamp,
    )
    assert headers["authorization"].startswith("TC3-HMAC-SHA256 Credential=AKID-test-id/")
    assert TENCENT_SECRET not in str(headers)


def test_tencent_region_comes_from_settings(tencent, monkeypatch):
    tencent.SMS_TENCENT_REGION = "ap-beijing"
    provider = fake(monkeypatch, answer=TENCENT_OK)
    sms.send_code(phone=PHONE, code=CODE, purpose="login")
    assert headers_of(provider.request)["x-tc-region"] == "ap-beijing"


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "..."}, "RequestId": "R3"}},
            "AuthFailure.SignatureFailure",
        ),
        (
            {"Response": {"SendStatusSet": [{"Code": "LimitExceeded.PhoneNumberDailyLimit"}], "RequestId": "R4"}},
            "LimitExceeded.PhoneNumberDailyLimit",
        ),
        ({"Response": {"SendStatusSet": [], "RequestId": "R5"}}, "no code"),
        ({"Unexpected": True}, "without a Response"),
    ],
)
def test_tencent_refusal_raises_an_error(tencent, monkeypatch, answer, expected):
    fake(monkeypatch, answer=answer)
    with pytest.raises(sms.SMSError, match=expected) as raised:
        sms.send_code(phone=PHONE, code=CODE, purpose="login")
    assert TENCENT_SECRET not in str(raised.value)
    assert CODE not in str(raised.value)


NETWORK_ERRORS = [
    urllib.error.URLError("[Errno -3] Temporary failure in name resolution"),
    TimeoutError("timed out"),
    ConnectionResetError(104, "Connection reset by peer"),
    urllib.error.HTTPError("https://example.invalid/", 502, "Bad Gateway", {}, io.BytesIO(b"")),
]


@pytest.mark.parametrize("provider_settings", ["aliyun", "tencent"])
@pytest.mark.parametrize("error", NETWORK_ERRORS, ids=lambda error: error.__class__.__name__)
def test_network_failure_raises_sms_error(request, monkeypatch, provider_settings, error):
    request.getfixturevalue(provider_settings)
    fake(monkeypatch, error=error)
    with pytest.raises(sms.SMSError):
        sms.send_code(phone=PHONE, code=CODE, purpose="login")


@pytest.mark.parametrize("provider_settings", ["aliyun", "tencent"])
def test_an_answer_that_is_not_json_raises_sms_error(request, monkeypatch, provider_settings):
    request.getfixturevalue(provider_settings)
    fake(monkeypatch, answer=b"<html>502 Bad Gateway</html>")
    with pytest.raises(sms.SMSError, match="not JSON"):
        sms.send_code(phone=PHONE, code=CODE, purpose="login")


@pytest.mark.parametrize(
    ("provider_settings", "setting"),
    [
        ("aliyun", "SMS_ALIYUN_ACCESS_KEY_ID"),
        ("aliyun", "SMS_ALIYUN_ACCESS_KEY_SECRET"),
        ("aliyun", "SMS_SIGN_NAME"),
        ("tencent", "SMS_TENCENT_SECRET_ID"),
        ("tencent", "SMS_TENCENT_SECRET_KEY"),
        ("tencent", "SMS_TENCENT_SDK_APP_ID"),
        ("tencent", "SMS_SIGN_NAME"),
    ],
)
def test_a_missing_setting_is_improperly_configured(request, monkeypatch, provider_settings, setting):
    settings = request.getfixturevalue(provider_settings)
    delattr(settings, setting)
    provider = fake(monkeypatch, answer={})
    with pytest.raises(ImproperlyConfigured, match=setting):
        sms.get_backend()
    assert provider.requests == []


@pytest.mark.parametrize("provider_settings", ["aliyun", "tencent"])
def test_a_missing_template_is_improperly_configured(request, provider_settings):
    settings = request.getfixturevalue(provider_settings)
    settings.SMS_TEMPLATES = {"verify": "1", "login": "2"}
    with pytest.raises(ImproperlyConfigured, match="reset"):
        sms.get_backend()


def test_an_empty_secret_is_as_missing_as_no_secret(aliyun):
    aliyun.SMS_ALIYUN_ACCESS_KEY_SECRET = ""
    with pytest.raises(ImproperlyConfigured, match="SMS_ALIYUN_ACCESS_KEY_SECRET"):
        sms.get_backend()


# -- Choosing a backend, and the development backends ----------------------------------------


def test_the_default_backend_is_the_console(settings):
    if hasattr(settings, "SMS_BACKEND"):
        del settings.SMS_BACKEND
    assert type(sms.get_backend()) is sms.ConsoleBackend


def test_console_backend_writes_one_line_to_standard_output(settings, capsys):
    settings.SMS_BACKEND = "accounts.sms.ConsoleBackend"
    settings.SMS_SIGN_NAME = "禹州关注"
    sms.send_code(phone=PHONE, code=CODE, purpose="verify")
    line = "SMS to +8613812345678: 【禹州关注】验证码 123456，用于绑定手机号，5分钟内有效。\n"
    assert capsys.readouterr().out == line


def test_console_backend_writes_to_its_stream(settings):
    settings.SMS_SIGN_NAME = "禹州关注"
    stream = io.StringIO()
    sms.ConsoleBackend(stream=stream).send_code(phone=PHONE, code=CODE, purpose="login")
    assert stream.getvalue() == "SMS to +8613812345678: 【禹州关注】验证码 123456，用于登录，5分钟内有效。\n"


@pytest.mark.parametrize(("purpose", "words"), [("verify", "绑定手机号"), ("login", "登录"), ("reset", "重设密码")])
def test_locmem_backend_keeps_each_message_in_the_outbox(settings, purpose, words):
    settings.SMS_BACKEND = "accounts.sms.LocmemBackend"
    sms.send_code(phone=PHONE, code=CODE, purpose=purpose)
    (message,) = sms.outbox
    assert message["phone"] == PHONE
    assert message["code"] == CODE
    assert message["purpose"] == purpose
    assert CODE in message["text"]
    assert f"用于{words}" in message["text"]


def test_file_backend_appends_one_json_line_per_message(settings, tmp_path):
    path = tmp_path / "sms" / "outbox.jsonl"
    settings.SMS_BACKEND = "accounts.sms.FileBackend"
    settings.SMS_FILE_PATH = str(path)
    sms.send_code(phone=PHONE, code=CODE, purpose="verify")
    sms.send_code(phone="+85261234567", code="654321", purpose="reset")

    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["phone"] for line in lines] == [PHONE, "+85261234567"]
    first = json.loads(lines[0])
    assert first == {"phone": PHONE, "code": CODE, "purpose": "verify", "text": first["text"]}
    assert "绑定手机号" in lines[0]  # readable Chinese, not \\u escapes


def test_file_backend_needs_a_path(settings):
    settings.SMS_BACKEND = "accounts.sms.FileBackend"
    settings.SMS_FILE_PATH = ""
    with pytest.raises(ImproperlyConfigured, match="SMS_FILE_PATH"):
        sms.get_backend()


def test_file_backend_that_cannot_write_raises_sms_error(settings, tmp_path):
    settings.SMS_BACKEND = "accounts.sms.FileBackend"
    settings.SMS_FILE_PATH = str(tmp_path)  # a directory
    with pytest.raises(sms.SMSError):
        sms.send_code(phone=PHONE, code=CODE, purpose="login")


@pytest.mark.parametrize(
    "arguments",
    [
        {"phone": "13812345678"},  # not E.164
        {"phone": "+86 138 1234 5678"},
        {"phone": "+0123456789"},
        {"code": "12345"},
        {"code": "１２３４５６"},  # full-width digits
        {"code": 123456},
        {"purpose": "marketing"},
    ],
)
def test_send_code_refuses_malformed_arguments_and_sends_nothing(settings, arguments):
    settings.SMS_BACKEND = "accounts.sms.LocmemBackend"
    with pytest.raises(ValueError):
        sms.send_code(**{"phone": PHONE, "code": CODE, "purpose": "login", **arguments})
    assert sms.outbox == []


def test_the_deploy_check_refuses_a_backend_that_cannot_send(settings):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.SMS_BACKEND = "accounts.sms.AliyunBackend"
    settings.SMS_ALIYUN_ACCESS_KEY_ID = ""
    with pytest.raises(SystemCheckError, match=r"accounts\.E001"):
        call_command("check", "--deploy", "--tag", "security")


def test_the_deploy_check_accepts_a_backend_that_can(settings):
    from accounts.checks import sms_backend_configured

    settings.SMS_BACKEND = "accounts.sms.FileBackend"
    assert sms_backend_configured(None) == []
