"""IP属地 (yzgz.iplocation) on the real ip2region 2.3.0 databases, and the command that fetches them.

The lookups read ``settings.IP_REGION_DB`` (``var/ip2region/``, filled by
``manage.py fetch_ip_region_db``); the expected labels are what those files say. The fetch
tests build their own tarballs and stand in for the registry, so they need no network.
"""

import base64
import hashlib
import io
import ipaddress
import json
import os
import random
import shutil
import subprocess
import sys
import tarfile
import threading
import time
import urllib.error
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from yzgz import ipdb_fetch, iplocation
from yzgz.iplocation import PROVINCES, UNKNOWN, region_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def real_db():
    """The installed databases; a missing one fails the test rather than skipping it."""
    iplocation.reset()
    info = iplocation.database_info()
    if not info["present"]:
        pytest.fail(f"no ip2region databases in {info['path']}: run `manage.py fetch_ip_region_db` (make test does)")
    return info


@pytest.fixture
def opened(real_db):
    return iplocation._opened()


@pytest.mark.parametrize(
    ("ip", "expected"),
    [
        ("114.114.114.114", "江苏"),  # 114DNS
        ("223.5.5.5", "浙江"),  # AliDNS
        ("202.102.224.68", "河南"),  # China Unicom's Henan resolver, 郑州
        ("115.53.100.1", "河南"),  # a 许昌 (禹州's prefecture) Unicom range
        ("61.135.169.121", "北京"),
        ("180.152.0.1", "上海"),
        ("171.36.0.1", "广西"),  # 广西壮族自治区
        ("150.223.0.1", "内蒙古"),
        ("222.82.0.1", "新疆"),
        ("113.62.157.1", "西藏"),
        ("52.82.0.1", "宁夏"),
        ("113.252.1.1", "香港"),  # listed as 中国|0|香港
        ("202.175.3.8", "澳门"),
        ("168.95.1.1", "台湾"),  # listed as 中国|0|台湾省, HiNet's resolver
        ("133.242.0.3", "日本"),
        ("8.8.8.8", "美国"),
        ("1.1.1.1", "澳大利亚"),  # Cloudflare's resolver, in APNIC's research block: the db says so
    ],
)
def test_ipv4_addresses_show_their_province_region_or_country(real_db, ip, expected):
    assert region_for(ip) == expected


@pytest.mark.parametrize(
    ("ip", "expected"),
    [
        ("2400:3200::1", "浙江"),  # AliDNS
        ("2409:8144::1", "河南"),  # China Mobile Henan
        ("240e:750::1", "广西"),  # listed as 中国 广西区
        ("2001:da8::1", "北京"),  # CERNET2
        ("2400:c800::1", "香港"),  # listed as 中国 香港区
        ("2001:f90::1", "澳门"),
        ("2001:b400:f000::1", "台湾"),
        ("2400:8900::1", "日本"),  # listed as 日本 东京都
        ("2404:6800::1", "亚太地区"),  # the db places some allocations only by continent
        ("2400:3200::1%eth0", "浙江"),  # a zone index does not change the place
    ],
)
def test_ipv6_addresses_show_their_province_region_or_country(real_db, ip, expected):
    assert region_for(ip) == expected


@pytest.mark.parametrize(
    "ip",
    [
        "::ffff:114.114.114.114",  # IPv4-mapped, as a dual-stack socket reports an IPv4 client
        "2002:7272:7272::1",  # 6to4 of 114.114.114.114
        "2001:0:4136:e378:8000:63bf:8d8d:8d8d",  # Teredo, client 114.114.114.114 (stored inverted)
    ],
)
def test_ipv4_inside_ipv6_is_looked_up_as_ipv4(real_db, ip):
    assert region_for(ip) == "江苏"


@pytest.mark.parametrize(
    "ip",
    [
        "10.0.0.1", "127.0.0.1", "192.168.1.1", "172.16.0.1", "100.64.0.1", "169.254.1.1", "0.0.0.0",  # noqa: S104
        "192.0.2.1", "198.51.100.1", "203.0.113.1", "224.0.0.1", "240.0.0.1", "255.255.255.255",
        "::", "::1", "fe80::1", "fe80::1%eth0", "fc00::1", "fd12:3456::1", "ff02::1", "2001:db8::1",
        "::ffff:10.0.0.1", "::ffff:127.0.0.1", "2002:c0a8:0101::1",  # 6to4 of 192.168.1.1
        "2001:4860:4860::8888",  # anycast: the db says 全球, which is no place
    ],
)  # fmt: skip
def test_private_loopback_and_reserved_addresses_are_unknown(real_db, ip):
    assert region_for(ip) == UNKNOWN


@pytest.mark.parametrize(
    "ip",
    [
        None, "", " ", "abc", "\x00", "1.2.3.4\x00", "1.2.3.4.5", "1.2.3", "999.1.1.1", "01.2.3.4",
        "1.2.3.4/24", "[2400:3200::1]", "1.2.3.4:80", "2400:3200::1::1", "河南", "::ffff:1.2.3.4.5",
        "1" * 10_000, 16843009, b"114.114.114.114",
    ],
)  # fmt: skip
def test_anything_that_is_not_an_address_is_unknown(real_db, ip):
    assert region_for(ip) == UNKNOWN


def test_surrounding_whitespace_is_ignored(real_db):
    assert region_for(" 114.114.114.114\n") == "江苏"


def test_every_mainland_record_gives_a_bare_province_name(opened):
    """Each place in both files: mainland labels are one of the 34 short names (or 中国), no suffix."""
    v4, v6 = opened.ipv4, opened.ipv6
    checked = 0
    for pointer in set(v4._blocks[2::3]):
        text = v4.text(pointer)
        country, _region, province, *_rest = text.split("|")
        result = iplocation.label(country, province)
        if country == "中国":
            assert result in PROVINCES or (result == "中国" and province == "0"), text
            checked += 1
        assert result and result != "0" and not result.endswith(("省", "自治区")), text
    for i in range(v6.records):
        text = v6.text(v6._offset(v6.index + i * v6.step + 8))
        fields = text.split()
        result = iplocation.label(fields[0], fields[1] if len(fields) > 1 else "") if fields else UNKNOWN
        if fields[:1] == ["中国"]:
            assert result in PROVINCES or (result == "中国" and len(fields) == 1), text
            checked += 1
        assert result and not result.endswith(("省", "自治区")) and "IANA" not in result, text
    assert checked > 10_000


def test_a_random_sample_of_ipv4_addresses_all_get_a_label(real_db):
    rng = random.Random(20211025)
    sample = [str(ipaddress.IPv4Address(rng.getrandbits(32))) for _ in range(2000)]
    labels = [region_for(ip) for ip in sample]
    assert all(isinstance(label, str) and label for label in labels)
    assert not any(label.endswith("省") or "|" in label or label == "0" for label in labels)
    assert "美国" in labels and UNKNOWN in labels and set(labels) & set(PROVINCES)


def test_bisect_and_the_plain_binary_search_agree(opened):
    """The C bisection over the mapped index finds the same block as the reference loop."""
    rng = random.Random(1)
    reference = iplocation.IPv4Database(opened.ipv4.buf)
    reference._starts = None
    for number in [0, 2**32 - 1, *(rng.getrandbits(32) for _ in range(5000))]:
        assert opened.ipv4.find(number) == reference.find(number)


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.one_of(st.ip_addresses().map(str), st.text(max_size=60)))
def test_no_input_raises(real_db, value):
    assert isinstance(region_for(value), str)


def test_a_lookup_takes_well_under_a_tenth_of_a_millisecond(real_db):
    rng = random.Random(2)
    sample = [f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.1" for _ in range(5000)]
    region_for(sample[0])
    started = time.perf_counter()
    for ip in sample:
        region_for(ip)
    assert (time.perf_counter() - started) / len(sample) < 0.0001


def test_database_info_names_the_files_version_and_dates(real_db):
    assert real_db["version"] == "2.3.0"
    assert real_db["ipv4"] | {"file": None} == {
        "file": None,
        "present": True,
        "date": "2021-10-25",
        "records": 683591,
        "problem": None,
    }
    assert real_db["ipv6"]["date"] == "2021-05-11"
    assert real_db["ipv6"]["records"] == 176315
    assert Path(real_db["ipv4"]["file"]).name == "ip2region.db"


def test_without_the_files_every_address_is_unknown_with_one_warning(settings, tmp_path, caplog):
    settings.IP_REGION_DB = tmp_path / "nowhere"
    with caplog.at_level("WARNING", logger="yzgz.iplocation"):
        assert region_for("114.114.114.114") == UNKNOWN
        assert region_for("2400:3200::1") == UNKNOWN
        assert region_for("8.8.8.8") == UNKNOWN
    warnings = [record for record in caplog.records if record.name == "yzgz.iplocation"]
    assert len(warnings) == 1
    assert "ip2region.db is missing" in warnings[0].getMessage()
    info = iplocation.database_info()
    assert info["present"] is False and info["ipv4"]["present"] is False and info["version"] is None


@pytest.mark.parametrize("content", [b"", b"not a database", b"\xff" * 64])
def test_a_damaged_file_is_unknown_not_an_error(settings, tmp_path, content):
    (tmp_path / "ip2region.db").write_bytes(content)
    (tmp_path / "ipv6wry.db").write_bytes(content)
    settings.IP_REGION_DB = tmp_path
    assert region_for("114.114.114.114") == UNKNOWN
    assert region_for("2400:3200::1") == UNKNOWN
    assert iplocation.database_info()["ipv4"]["problem"]


def test_threads_starting_together_open_the_files_once(real_db, monkeypatch):
    opened = []
    real = iplocation._Databases

    def counting(path):
        opened.append(path)
        return real(path)

    monkeypatch.setattr(iplocation, "_Databases", counting)
    iplocation.reset()
    start = threading.Barrier(8)

    def lookup():
        start.wait()
        return region_for("114.114.114.114")

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: lookup(), range(8)))
    assert results == ["江苏"] * 8
    assert len(opened) == 1


def test_reset_forgets_the_opened_files(real_db, settings, tmp_path):
    settings.IP_REGION_DB = tmp_path
    assert region_for("114.114.114.114") == UNKNOWN
    for name in ("ip2region.db", "ipv6wry.db"):
        shutil.copy(Path(real_db["path"]) / name, tmp_path / name)
    assert region_for("114.114.114.114") == UNKNOWN  # opened once per process
    iplocation.reset()
    assert region_for("114.114.114.114") == "江苏"


# --- manage.py fetch_ip_region_db ------------------------------------------------------------


def sri(data):
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def tarball(members, links=()):
    """A .tgz of ``{name: bytes}`` regular files and ``(name, target)`` symlinks."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for name, target in links:
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            archive.addfile(info)
    return buffer.getvalue()


# Members for the refusals, which come before the files are parsed.
FAKE_FILES = {"package/data/ip2region.db": b"fake IPv4 db", "package/data/ipv6wry.db": b"fake IPv6 db"}


@pytest.fixture(scope="module")
def real_files(real_db):
    path = Path(real_db["path"])
    return {
        "package/package.json": b'{"name": "ip2region"}',
        "package/data/ip2region.db": (path / "ip2region.db").read_bytes(),
        "package/data/ipv6wry.db": (path / "ipv6wry.db").read_bytes(),
    }


@pytest.fixture(scope="module")
def real_tarball(real_files):
    return tarball(real_files)


@pytest.fixture
def destination(settings, tmp_path):
    settings.IP_REGION_DB = tmp_path / "ip2region"
    return settings.IP_REGION_DB


@pytest.fixture
def registry(monkeypatch):
    """Stands in for registry.npmjs.org: ``registry.publish(version, tgz)``; records each download."""

    class Registry:
        def __init__(self):
            self.files, self.downloads = {}, []

        def publish(self, version, data, integrity=None):
            self.files[ipdb_fetch.tarball_url(version)] = data
            metadata = {"dist": {"integrity": integrity or sri(data)}}
            self.files[f"{ipdb_fetch.REGISTRY}/ip2region/{version}"] = json.dumps(metadata).encode()

        def download(self, url):
            self.downloads.append(url)
            if url not in self.files:
                raise ipdb_fetch.FetchError(f"cannot download {url}: HTTP 404")
            return self.files[url]

    fake = Registry()
    monkeypatch.setattr(ipdb_fetch, "download", fake.download)
    return fake


def test_fetch_installs_the_two_databases_and_a_version_file(registry, destination, real_files, real_tarball):
    registry.publish("9.9.9", real_tarball)
    out = io.StringIO()
    call_command("fetch_ip_region_db", version="9.9.9", stdout=out)
    assert "Installed ip2region 9.9.9" in out.getvalue()
    assert sorted(p.name for p in destination.iterdir()) == ["VERSION", "ip2region.db", "ipv6wry.db"]
    assert (destination / "ip2region.db").read_bytes() == real_files["package/data/ip2region.db"]
    assert (destination / "VERSION").read_text().splitlines()[0] == "9.9.9"
    assert region_for("114.114.114.114") == "江苏"  # read from the new directory
    assert iplocation.database_info()["version"] == "9.9.9"


def test_fetch_does_nothing_when_that_version_is_there_unless_forced(registry, destination, real_tarball):
    registry.publish("9.9.9", real_tarball)
    call_command("fetch_ip_region_db", version="9.9.9", stdout=io.StringIO())
    downloads = len(registry.downloads)
    out = io.StringIO()
    call_command("fetch_ip_region_db", version="9.9.9", stdout=out)
    assert len(registry.downloads) == downloads
    assert "already" in out.getvalue()
    call_command("fetch_ip_region_db", version="9.9.9", force=True, stdout=io.StringIO())
    assert len(registry.downloads) > downloads


def test_the_pinned_version_is_checked_against_the_pinned_hash(registry, destination):
    """2.3.0's hash is in the code: a tarball that differs is refused whatever the registry says."""
    registry.publish("2.3.0", tarball(FAKE_FILES))  # the registry's metadata would vouch for it
    with pytest.raises(CommandError, match="integrity check failed"):
        call_command("fetch_ip_region_db", stdout=io.StringIO())
    assert not destination.exists() or not any(destination.iterdir())


def test_a_tarball_with_the_wrong_hash_is_refused(registry, destination, real_tarball):
    registry.publish("9.9.9", real_tarball, integrity=sri(b"something else"))
    with pytest.raises(CommandError, match="integrity check failed"):
        call_command("fetch_ip_region_db", version="9.9.9", stdout=io.StringIO())
    assert not destination.exists() or not any(destination.iterdir())


@pytest.mark.parametrize(
    ("extra", "links"),
    [
        ({"package/../../evil.db": b"x"}, ()),
        ({"../evil.db": b"x"}, ()),
        ({"/tmp/evil.db": b"x"}, ()),
        ({}, [("package/data/evil", "../../../../etc/passwd")]),
    ],
)
def test_a_tarball_with_a_path_traversal_member_is_refused(registry, destination, tmp_path, extra, links):
    registry.publish("9.9.9", tarball({**extra, **FAKE_FILES}, links))
    with pytest.raises(CommandError, match="unsafe path"):
        call_command("fetch_ip_region_db", version="9.9.9", stdout=io.StringIO())
    assert not destination.exists() or not any(destination.iterdir())
    assert not (tmp_path / "evil.db").exists()


def test_a_database_member_that_is_a_link_is_refused(registry, destination):
    files = {"package/data/ipv6wry.db": b"fake IPv6 db"}
    registry.publish("9.9.9", tarball(files, [("package/data/ip2region.db", "ipv6wry.db")]))
    with pytest.raises(CommandError, match="not a regular file"):
        call_command("fetch_ip_region_db", version="9.9.9", stdout=io.StringIO())


def test_a_database_that_does_not_parse_is_refused(registry, destination):
    registry.publish("9.9.9", tarball(FAKE_FILES))
    with pytest.raises(CommandError, match=r"ip2region\.db in the tarball is not a IPv4Database"):
        call_command("fetch_ip_region_db", version="9.9.9", stdout=io.StringIO())


def test_a_tarball_without_the_databases_is_refused(registry, destination):
    registry.publish("9.9.9", tarball({"package/package.json": b"{}"}))
    with pytest.raises(CommandError, match=r"no data/ip2region\.db"):
        call_command("fetch_ip_region_db", version="9.9.9", stdout=io.StringIO())


@pytest.mark.parametrize("version", ["../../x", "2.3.0/../../evil", "latest", ""])
def test_the_version_must_be_a_version(registry, destination, version):
    with pytest.raises(CommandError, match="not a package version"):
        call_command("fetch_ip_region_db", version=version, stdout=io.StringIO())
    assert registry.downloads == []


def test_downloads_come_only_from_the_npm_registry():
    with pytest.raises(ipdb_fetch.FetchError, match="outside the npm registry"):
        ipdb_fetch.download("https://example.com/ip2region-2.3.0.tgz")


def test_offline_the_download_fails_with_a_one_line_error(monkeypatch, destination):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(ipdb_fetch.urllib.request, "urlopen", offline)
    with pytest.raises(CommandError) as raised:
        call_command("fetch_ip_region_db", force=True, stdout=io.StringIO())
    message = str(raised.value)
    assert message.startswith("cannot download https://registry.npmjs.org/ip2region/-/ip2region-2.3.0.tgz")
    assert "\n" not in message


def test_offline_the_command_exits_non_zero(tmp_path):
    """End to end through a proxy that refuses connections: exit status 1 and one line on stderr."""
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(https_proxy="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9", no_proxy="", NO_PROXY="")
    result = subprocess.run(
        [sys.executable, "manage.py", "fetch_ip_region_db", "--version", "9.9.9"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("CommandError: cannot download https://registry.npmjs.org/ip2region/9.9.9: ")
