"""The documented multi-host setup, run as written: nginx on one host in front of app servers on two.

deploy/nginx-site.conf, deploy/systemd/yzgz@.service and deploy/yzgz.env.example describe nginx
on 10.0.0.10 and app servers on 10.0.0.11 and 10.0.0.12. This test makes that network on this
machine: a bridge holding the nginx side's address and two network namespaces, one per app
host, on a private /24 chosen at random (the same host numbers, .10, .11 and .12). It starts
each app server with the unit's own ExecStart inside its namespace (the instance name is the
address it binds), with the unit's defaults and the example /etc/yzgz.env's proxy and media
settings; it renders the site file with only paths, ports and the network prefix changed,
with a self-signed certificate, and checks it with ``nginx -t`` before starting nginx.

PostgreSQL, Redis and the S3-compatible object storage (moto's server) stay on this machine's
127.0.0.1; a relay on the nginx side's address carries the app hosts' connections to them, as
the database and cache hosts of a real deployment would. Uploads go to the bucket, which is
how they reach every app host.

The namespaces need root and iproute2: without them the stack tests are skipped, except
in CI (``CI=true``), where they fail.
"""

# ruff: noqa: S603, S607 - the test runs ip, nginx, openssl and our own app servers

import contextlib
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from news.articles.factories import make_article, make_category, make_image_bytes, make_user
from news.articles.models import SiteSettings
from news.comments.models import Comment
from tests.site.multihost_client import Reader
from tests.site.test_media_storage import BUCKET, CREDENTIALS, PUBLIC_READ, s3_client
from tests.site.test_production_stack import FACTORY_PASSWORD, production_env, resident_named, wait_until_answering
from tests.viewcounts.test_viewcount import redis_available
from tests.viewcounts.test_viewcount_processes import free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SITE_HOST = "www.example.cn"
DOC_PREFIX = "10.0.0."  # the documented network: nginx .10, app hosts .11 and .12
APP_PORT = 8101  # the documented instances: yzgz@10.0.0.11:8101, yzgz@10.0.0.12:8101
REDIS_DB = 12
SUDO = os.geteuid() == 0


def namespaces_unavailable():
    """Why network namespaces cannot be made here, or None."""
    if not SUDO:
        return "creating network namespaces needs root"
    if not shutil.which("ip"):
        return "iproute2 (ip) is not installed"
    probe = f"yzgzprobe{os.getpid()}"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True, check=False)
    if made.returncode:
        return f"ip netns add failed: {made.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], check=False)
    return None


def skip_or_fail(reason):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI must run the multi-host test)")
    pytest.skip(reason)


def ip(*args):
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


# --- the documented files, rendered for this machine -------------------------------------------


def env_file(text, prefix, srv):
    """``KEY=VALUE`` lines of an environment file (comments skipped), on the test's network and paths."""
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip().replace(DOC_PREFIX, prefix).replace("/srv/yzgz/", f"{srv}/")
    return values


def unit_environment(prefix, srv="/srv/yzgz"):
    """What systemd gives an app server: the unit's Environment= defaults, then /etc/yzgz.env over them."""
    unit = (DEPLOY / "systemd" / "yzgz@.service").read_text()
    values = {}
    for line in unit.splitlines():
        if line.startswith("Environment="):
            for item in line[len("Environment=") :].split():
                key, value = item.split("=", 1)
                values[key] = value
    values.update(env_file((DEPLOY / "yzgz.env.example").read_text(), prefix, srv))
    return values


def unit_command(instance):
    """The unit's ExecStart for ``yzgz@INSTANCE``, with this checkout's interpreter for /srv/yzgz's."""
    unit = (DEPLOY / "systemd" / "yzgz@.service").read_text()
    (line,) = [line for line in unit.splitlines() if line.startswith("ExecStart=")]
    command = line[len("ExecStart=") :].split()
    assert command[0] == "/srv/yzgz/.venv/bin/python", command
    return [sys.executable, *(part.replace("%I", instance).replace("%i", instance) for part in command[1:])]


def self_signed_certificate(directory):
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", f"/CN={SITE_HOST}", "-addext", f"subjectAltName=DNS:{SITE_HOST}",
            "-keyout", str(directory / "privkey.pem"), "-out", str(directory / "fullchain.pem"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return directory / "fullchain.pem"


def render_site(run, *, srv, certs, prefix, http_port, https_port):
    """deploy/nginx-site.conf in an http block, as /etc/nginx/nginx.conf includes it, on this machine."""
    site = (DEPLOY / "nginx-site.conf").read_text()
    site = re.sub(r"\blisten 80\b", f"listen 127.0.0.1:{http_port}", site)
    site = re.sub(r"\blisten 443\b", f"listen 127.0.0.1:{https_port}", site)
    site = site.replace("/srv/yzgz/", f"{srv}/").replace("/etc/ssl/yzgz/", f"{certs}/")
    site = site.replace("/var/cache/nginx/yzgz", str(run / "microcache"))
    site = site.replace(DOC_PREFIX, prefix)
    main = f"""{"user root root;" if SUDO else ""}
worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/error.log warn;
daemon on;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {run}/client_body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
{site}
}}
"""
    (run / "nginx.conf").write_text(main)
    return run / "nginx.conf"


def nginx_t(run):
    command = ["nginx", "-t", "-p", str(run), "-c", str(run / "nginx.conf")]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_the_documented_site_config_passes_nginx_t(tmp_path):
    if not shutil.which("nginx"):
        skip_or_fail("nginx is not installed (apt-get install nginx)")
    certs = self_signed_certificate(tmp_path / "ssl").parent
    run = tmp_path / "nginx"
    run.mkdir()
    render_site(run, srv=tmp_path, certs=certs, prefix="10.99.0.", http_port=free_port(), https_port=free_port())
    result = nginx_t(run)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_the_unit_binds_the_instance_address_and_trusts_the_proxy_of_the_env_file():
    """yzgz@10.0.0.11:8101 listens on that address, and believes forwarded headers from nginx's only."""
    assert unit_command("10.0.0.11:8101")[-3:] == ["-m", "yzgz.appserver", "10.0.0.11:8101"]
    environment = unit_environment(DOC_PREFIX)
    assert environment["DJANGO_TRUSTED_PROXIES"] == environment["FORWARDED_ALLOW_IPS"] == "10.0.0.10"
    block = re.search(r"upstream yzgz_app \{(.*?)\}", (DEPLOY / "nginx-site.conf").read_text(), re.S).group(1)
    upstreams = re.findall(r"^\s*server (\S+)", block, re.M)
    assert upstreams == ["10.0.0.11:8101", "10.0.0.12:8101"]


# --- the network: a bridge (the nginx side) and one namespace per app host -------------------------


class Relay:
    """Listens on ``address``; each connection goes on to the same service on 127.0.0.1."""

    def __init__(self, address, target_port):
        self.listener = socket.create_server((address, 0))
        self.port = self.listener.getsockname()[1]
        self.target_port = target_port
        self.sockets = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _peer = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            self.sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    @staticmethod
    def _pump(source, target):
        try:
            while data := source.recv(65536):
                target.sendall(data)
            target.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self):
        self.listener.close()
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.close()


def free_prefix():
    """A private /24 (``10.A.B.``) that no route on this machine uses yet."""
    routes = subprocess.run(["ip", "-4", "route", "show", "table", "all"], capture_output=True, text=True).stdout
    addresses = subprocess.run(["ip", "-4", "addr"], capture_output=True, text=True).stdout
    for _ in range(100):
        prefix = f"10.{random.randint(100, 250)}.{random.randint(0, 255)}."
        if prefix not in routes and prefix not in addresses:
            return prefix
    raise RuntimeError("no free 10.x.y.0/24 found")


@pytest.fixture(scope="module")
def network():
    if not shutil.which("nginx"):
        skip_or_fail("nginx is not installed (apt-get install nginx)")
    reason = namespaces_unavailable()
    if reason:
        skip_or_fail(reason)
    prefix = free_prefix()
    tag = f"{os.getpid() % 100000}"
    bridge = f"yzbr{tag}"
    hosts = {"a": f"yzgz{tag}a", "b": f"yzgz{tag}b"}
    made = []
    try:
        ip("link", "add", bridge, "type", "bridge")
        made.append(("link", bridge))
        ip("addr", "add", f"{prefix}10/24", "dev", bridge)
        ip("link", "set", bridge, "up")
        for number, (key, namespace) in zip((11, 12), hosts.items(), strict=True):
            ip("netns", "add", namespace)
            made.append(("netns", namespace))
            outside = f"yzv{tag}{key}"
            ip("link", "add", outside, "type", "veth", "peer", "name", f"yzi{tag}{key}")
            made.append(("link", outside))
            ip("link", "set", f"yzi{tag}{key}", "netns", namespace)
            ip("link", "set", outside, "master", bridge, "up")
            ip("-n", namespace, "link", "set", "lo", "up")
            ip("-n", namespace, "addr", "add", f"{prefix}{number}/24", "dev", f"yzi{tag}{key}")
            ip("-n", namespace, "link", "set", f"yzi{tag}{key}", "up")
        yield {
            "prefix": prefix,
            "proxy": f"{prefix}10",
            "a": (hosts["a"], f"{prefix}11"),
            "b": (hosts["b"], f"{prefix}12"),
        }
    finally:
        for kind, name in reversed(made):
            subprocess.run(["ip", kind, "del", name], capture_output=True, check=False)


@pytest.fixture(scope="module")
def object_storage():
    """moto's S3 server on 127.0.0.1 with the uploads' bucket, readable by anyone (as a CDN would be)."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = s3_client(endpoint)
    client.create_bucket(Bucket=BUCKET)
    client.put_bucket_policy(Bucket=BUCKET, Policy=PUBLIC_READ)
    yield {"port": port, "endpoint": endpoint, "client": client}
    server.stop()


@pytest.fixture(scope="module")
def static_files(tmp_path_factory):
    """collectstatic once: production mode serves hashed names; nginx serves them from srv/staticfiles."""
    srv = tmp_path_factory.mktemp("srv")
    env = production_env(srv)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    return srv


@pytest.fixture
def stack(network, object_storage, static_files, tmp_path):
    """nginx (the documented site) in front of the two documented app servers, each in its namespace."""
    if connection.vendor != "postgresql":
        pytest.skip("the app hosts share PostgreSQL")
    if not redis_available(f"redis://127.0.0.1:6379/{REDIS_DB}"):
        pytest.skip("needs Redis on 127.0.0.1:6379")
    import redis

    redis.Redis(db=REDIS_DB).flushdb()
    proxy = network["proxy"]
    db = connection.settings_dict
    relays = [Relay(proxy, int(db["PORT"] or 5432)), Relay(proxy, 6379), Relay(proxy, object_storage["port"])]
    env = production_env(static_files)
    env.update(unit_environment(network["prefix"], static_files))
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    env.update(
        DJANGO_SECRET_KEY="test-multihost-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS=SITE_HOST,
        DJANGO_SITE_URL=f"https://{SITE_HOST}",
        DJANGO_CSRF_TRUSTED_ORIGINS=f"https://{SITE_HOST}",
        DJANGO_SECURE_SSL="1",
        # nginx redirects plain HTTP itself; without Django's own redirect a request sent straight
        # to an app server reaches the views, so the test can see which address they believe.
        DJANGO_SSL_REDIRECT="0",
        DATABASE_URL=f"postgres://{db['USER']}{password}@{proxy}:{relays[0].port}/{db['NAME']}",
        REDIS_URL=f"redis://{proxy}:{relays[1].port}/{REDIS_DB}",
        DJANGO_MEDIA_URL=f"{object_storage['endpoint']}/{BUCKET}/",  # where readers fetch uploads
        DJANGO_S3_ENDPOINT_URL=f"http://{proxy}:{relays[2].port}",  # where the app hosts write them
        DJANGO_S3_REGION="us-east-1",
        DJANGO_S3_ADDRESSING_STYLE="path",
        **CREDENTIALS,
    )
    servers = []
    run = tmp_path / "nginx"
    run.mkdir()
    try:
        for key in ("a", "b"):
            namespace, address = network[key]
            servers.append(
                subprocess.Popen(
                    ["ip", "netns", "exec", namespace, *unit_command(f"{address}:{APP_PORT}")],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=open(tmp_path / f"app-{key}.log", "w"),  # noqa: SIM115 - closed with the process
                )
            )
        deadline = time.monotonic() + 40
        for key in ("a", "b"):
            wait_until_answering(f"http://{network[key][1]}:{APP_PORT}/robots.txt", deadline)
        cafile = self_signed_certificate(tmp_path / "ssl")
        ports = {"http": free_port(), "https": free_port()}
        render_site(
            run,
            srv=static_files,
            certs=cafile.parent,
            prefix=network["prefix"],
            http_port=ports["http"],
            https_port=ports["https"],
        )
        checked = nginx_t(run)
        assert checked.returncode == 0, checked.stderr
        subprocess.run(["nginx", "-p", str(run), "-c", str(run / "nginx.conf")], check=True)
        yield {**network, **ports, "cafile": str(cafile), "storage": object_storage, "logs": tmp_path}
    finally:
        if (run / "nginx.pid").exists():
            subprocess.run(["nginx", "-p", str(run), "-c", str(run / "nginx.conf"), "-s", "stop"], check=False)
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        for relay in relays:
            relay.close()


def reader(stack, **headers):
    """A browser on the internet, reaching the site through nginx over HTTPS."""
    return Reader("127.0.0.1", stack["https"], SITE_HOST, cafile=stack["cafile"], headers=headers)


def on_app_host(stack, key, cookies):
    """The same browser's cookies, sent by nginx's host straight to one app server (as nginx would)."""
    direct = Reader(stack[key][1], APP_PORT, f"{SITE_HOST}", headers={"X-Forwarded-Proto": "https"})
    direct.cookies = dict(cookies)
    return direct


stack_test = pytest.mark.django_db(transaction=True)


@stack_test
def test_a_resident_logs_in_and_uploads_an_avatar_through_nginx_and_both_app_hosts_serve_it(stack):
    status, headers, page = reader(stack).get("/")
    assert status == 200, page[:500]
    # The app servers believe nginx's X-Forwarded-Proto: the page knows it was served over HTTPS.
    assert "max-age=" in (headers["Strict-Transport-Security"] or "")
    # Plain HTTP is sent to HTTPS by nginx.
    plain = Reader("127.0.0.1", stack["http"], SITE_HOST)
    status, headers, _page = plain.get("/rank/")
    assert (status, headers["Location"]) == (301, f"https://{SITE_HOST}/rank/")

    resident = resident_named("duozhuji")
    browser = reader(stack)
    status, headers, page = browser.post(
        "/accounts/login/", "/accounts/login/", {"username": resident.username, "password": FACTORY_PASSWORD}
    )
    assert status == 302, page[:2000]
    avatar = ("me.jpg", make_image_bytes(400, 300, seed=5), "image/jpeg")
    status, headers, page = browser.post(
        "/accounts/profile/", "/accounts/profile/", {"nickname": "两台主机"}, files={"avatar": avatar}
    )
    assert status == 302, page[:2000]
    resident.refresh_from_db()
    keys = {item["Key"] for item in stack["storage"]["client"].list_objects_v2(Bucket=BUCKET).get("Contents", [])}
    assert resident.avatar.name in keys
    avatar_url = f"{stack['storage']['endpoint']}/{BUCKET}/{resident.avatar.name}"

    # Logged in, and showing the uploaded picture from the bucket, on either app host.
    for key in ("a", "b"):
        status, _headers, page = on_app_host(stack, key, browser.cookies).get("/accounts/profile/")
        assert status == 200 and "duozhuji" in page, (key, status)
        assert f'src="{avatar_url}"' in page, key
    port = stack["storage"]["port"]
    status, headers, _picture = Reader("127.0.0.1", port, f"127.0.0.1:{port}").get(f"/{BUCKET}/{resident.avatar.name}")
    assert (status, headers["Content-Type"]) == (200, "image/jpeg")


@stack_test
def test_through_nginx_the_client_address_is_nginxs_client_and_straight_to_an_app_host_its_own(stack):
    site = SiteSettings.current()
    site.comment_moderation = "post_first"
    site.save()
    article = make_article(title="两台应用服务器", category=make_category(), author=make_user("reporter7", role="记者"))
    url = article.get_absolute_url()
    forged = {"X-Forwarded-For": "203.0.113.9", "X-Real-IP": "203.0.113.9"}

    # Through nginx: the address nginx saw (this machine, 127.0.0.1), not the one the client wrote.
    resident = resident_named("tongguo")
    browser = reader(stack, **forged)
    status, _headers, page = browser.post(
        "/accounts/login/", "/accounts/login/", {"username": resident.username, "password": FACTORY_PASSWORD}
    )
    assert status == 302, page[:2000]
    status, _headers, page = browser.post(url + "comments/", url, {"body": "经由前端代理"})
    assert status in (200, 302), page[:2000]
    assert Comment.objects.get(body="经由前端代理").ip_address == "127.0.0.1"

    # Straight to app host A from host B on the private network, with X-Forwarded-For and
    # X-Forwarded-Proto of its choosing: neither is believed (B is not the proxy).
    intruder = resident_named("zhilian")
    namespace_b, address_b = stack["b"]
    job = {
        "address": stack["a"][1],
        "port": APP_PORT,
        "host": f"{SITE_HOST}:{APP_PORT}",
        "headers": {**forged, "X-Forwarded-Proto": "https"},
        "username": intruder.username,
        "password": FACTORY_PASSWORD,
        "article": url,
        "comment": "绕过前端代理",
    }
    result = subprocess.run(
        ["ip", "netns", "exec", namespace_b, sys.executable, "-m", "tests.site.multihost_client", json.dumps(job)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    outcome = json.loads(result.stdout)
    assert outcome["login"] == 302, outcome
    assert outcome["hsts"] == [None, None], "X-Forwarded-Proto from a host that is not the proxy was believed"
    assert Comment.objects.get(body="绕过前端代理").ip_address == address_b
