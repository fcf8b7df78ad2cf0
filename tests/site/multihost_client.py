"""A small HTTP client for tests/site/test_multihost.py: one reader's cookies, forms with their CSRF
token, multipart uploads, and a Host header of our choosing over HTTP or HTTPS.

It imports nothing from Django, so the test can also run it inside a network namespace
(``ip netns exec NS python -m tests.site.multihost_client JSON``) to play a host on the app servers'
private network that sends its requests straight to an app server.
"""

# ruff: noqa: T201 - run as a program, it reports on stdout

import http.client
import json
import re
import ssl
import sys
import uuid
from http.cookies import SimpleCookie
from urllib.parse import urlencode

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Reader:
    """Requests to ``address:port`` that say ``Host: host``; cookies kept as a browser would."""

    def __init__(self, address, port, host, *, cafile=None, headers=None):
        self.address, self.port, self.host = address, port, host
        self.context = None
        if cafile:
            self.context = ssl.create_default_context(cafile=cafile)
            self.context.check_hostname = False  # we connect to an address; the chain is still checked
        self.scheme = "https" if cafile else "http"
        self.headers = dict(headers or {})
        self.cookies = {}

    def origin(self):
        return f"{self.scheme}://{self.host}"

    def request(self, method, path, body=None, headers=None):
        """``(status, headers, text)``; redirects are not followed."""
        if self.context:
            connection = http.client.HTTPSConnection(self.address, self.port, timeout=20, context=self.context)
        else:
            connection = http.client.HTTPConnection(self.address, self.port, timeout=20)
        sent = {"Host": self.host, "User-Agent": "Mozilla/5.0 multihost test", **self.headers, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, response.headers, text

    def get(self, path, headers=None):
        return self.request("GET", path, headers=headers)

    def post(self, path, form_path, data, files=None, headers=None):
        """POST ``data`` (and ``files``: name -> (filename, bytes, type)) with the token of ``form_path``."""
        _status, _headers, page = self.get(form_path)
        match = TOKEN.search(page)
        assert match, f"no CSRF token on {form_path}"
        fields = {**data, "csrfmiddlewaretoken": match.group(1)}
        extra = {"Referer": self.origin() + form_path, **(headers or {})}
        if files:
            boundary = uuid.uuid4().hex
            parts = []
            for name, value in fields.items():
                disposition = f'Content-Disposition: form-data; name="{name}"'
                parts.append(f"--{boundary}\r\n{disposition}\r\n\r\n{value}\r\n".encode())
            for name, (filename, content, content_type) in files.items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                    f"Content-Type: {content_type}\r\n\r\n".encode()
                    + content
                    + b"\r\n"
                )
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            extra["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        else:
            body = urlencode(fields).encode()
            extra["Content-Type"] = "application/x-www-form-urlencoded"
        return self.request("POST", path, body=body, headers=extra)


def straight_to_an_app_server(job):
    """Log in and comment on one app server directly, with forged X-Forwarded-* headers."""
    reader = Reader(job["address"], job["port"], job["host"], headers=job["headers"])
    credentials = {"username": job["username"], "password": job["password"]}
    login = reader.post("/accounts/login/", "/accounts/login/", credentials)
    comment = reader.post(job["article"] + "comments/", job["article"], {"body": job["comment"]})
    return {
        "login": login[0],
        "comment": comment[0],
        "hsts": [response[1].get("Strict-Transport-Security") for response in (login, comment)],
    }


if __name__ == "__main__":
    print(json.dumps(straight_to_an_app_server(json.loads(sys.argv[1]))))
