"""Install the IP属地 databases from the npm package ``ip2region`` (``manage.py fetch_ip_region_db``).

The package's tarball comes from the npm registry, the only network this needs. It is checked
against its Subresource Integrity hash before anything is read from it: pinned here for the
version we use, otherwise the one the registry publishes for that version. Only
``data/ip2region.db`` and ``data/ipv6wry.db`` are taken out of it, by reading the two members
and writing files of our own naming, so no member's path is ever used as a path on the disk;
an archive with an absolute or ``..`` member name is refused all the same, as a sign of a
tampered package. Each file must parse as its format before it is installed.

Installing writes into a temporary directory beside the destination and renames each file
into place, the VERSION file last: a running process that mapped the old files keeps reading
them, and an interrupted install is redone by the next run.
"""

import base64
import hashlib
import hmac
import io
import json
import os
import re
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from yzgz.iplocation import IPV4_FILE, IPV6_FILE, VERSION_FILE, IPv4Database, IPv6Database, installed_version

REGISTRY = "https://registry.npmjs.org"
PACKAGE = "ip2region"
DEFAULT_VERSION = "2.3.0"
# npm's `dist.integrity` of the tarballs we have checked.
KNOWN_INTEGRITY = {
    "2.3.0": "sha512-zV5Xsadzrx9Ej6heoyhbXMsfGWWQ3C6bAIYStrHhw9kzLpGpVNlnAyRBxxPgxA1GNqr1Ti7oUxcWsMWNN3jZBg==",
}
# Member of the package (below its top directory) -> the file we install, with its format.
MEMBERS = {"data/ip2region.db": (IPV4_FILE, IPv4Database), "data/ipv6wry.db": (IPV6_FILE, IPv6Database)}
MAX_DOWNLOAD = 64 * 1024 * 1024
MAX_MEMBER = 64 * 1024 * 1024
TIMEOUT = 60
VERSION_PATTERN = re.compile(r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?")


class FetchError(Exception):
    """Why the databases were not installed, in one line."""


@dataclass
class FetchResult:
    version: str
    path: Path
    installed: bool  # False: that version was already there
    sizes: dict  # installed file name -> bytes


def tarball_url(version):
    return f"{REGISTRY}/{PACKAGE}/-/{PACKAGE}-{version}.tgz"


def download(url):
    """The body of ``url`` on the npm registry (tests replace this to stay offline)."""
    if not url.startswith(REGISTRY + "/"):
        raise FetchError(f"refusing to download from outside the npm registry: {url}")
    request = urllib.request.Request(url, headers={"User-Agent": "yzgz-fetch-ip-region-db"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 (https, checked above)
            body = response.read(MAX_DOWNLOAD + 1)
    except urllib.error.HTTPError as exc:
        raise FetchError(f"cannot download {url}: HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise FetchError(f"cannot download {url}: {getattr(exc, 'reason', exc)}") from exc
    if len(body) > MAX_DOWNLOAD:
        raise FetchError(f"{url} is larger than {MAX_DOWNLOAD} bytes")
    return body


def integrity_for(version):
    """The SRI hash ("sha512-…") the tarball of ``version`` must have."""
    if version in KNOWN_INTEGRITY:
        return KNOWN_INTEGRITY[version]
    url = f"{REGISTRY}/{PACKAGE}/{version}"
    try:
        integrity = json.loads(download(url))["dist"]["integrity"]
    except (ValueError, KeyError, TypeError) as exc:
        raise FetchError(f"{url} does not give the tarball's dist.integrity") from exc
    if not isinstance(integrity, str):
        raise FetchError(f"{url} does not give the tarball's dist.integrity")
    return integrity


def verify(data, integrity):
    """Raise FetchError unless ``data`` has one of the sha512/sha384/sha256 hashes in ``integrity``."""
    checked = False
    for item in integrity.split():
        algorithm, _, expected = item.partition("-")
        if algorithm not in ("sha512", "sha384", "sha256"):
            continue
        checked = True
        actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
        if hmac.compare_digest(actual, expected.split("?", 1)[0]):
            return
    if not checked:
        raise FetchError(f"no sha512/sha384/sha256 hash to check in the integrity {integrity!r}")
    raise FetchError(f"integrity check failed: the tarball does not match {integrity}")


def _safe_name(name):
    path = PurePosixPath(name.replace("\\", "/"))
    return not (path.is_absolute() or ".." in path.parts or re.match(r"[A-Za-z]:", name))


def extract(data):
    """``{installed file name: bytes}`` of the two databases in the tarball ``data``."""
    found = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            for member in archive:
                link = member.issym() or member.islnk()
                if not _safe_name(member.name) or (link and not _safe_name(member.linkname)):
                    raise FetchError(f"unsafe path in the tarball: {member.name!r}")
                wanted = PurePosixPath(*PurePosixPath(member.name).parts[1:]).as_posix()
                if wanted not in MEMBERS:
                    continue
                name, _kind = MEMBERS[wanted]
                if not member.isfile():
                    raise FetchError(f"{member.name} in the tarball is not a regular file")
                if member.size > MAX_MEMBER:
                    raise FetchError(f"{member.name} in the tarball is larger than {MAX_MEMBER} bytes")
                if name in found:
                    raise FetchError(f"{member.name} is in the tarball twice")
                found[name] = archive.extractfile(member).read()
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise FetchError(f"the tarball cannot be read: {exc}") from exc
    for wanted, (name, kind) in MEMBERS.items():
        if name not in found:
            raise FetchError(f"the tarball has no {wanted}")
        try:
            kind(found[name])
        except ValueError as exc:
            raise FetchError(f"{wanted} in the tarball is not a {kind.__name__}: {exc}") from exc
    return found


def _write(path, data):
    with path.open("wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())


def install(files, *, version, integrity, path):
    """Put ``files`` and a VERSION file into ``path``, each by an atomic rename."""
    path.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".fetch-", dir=path))
    try:
        for name, data in files.items():
            _write(staging / name, data)
        _write(staging / VERSION_FILE, f"{version}\n{integrity}\n{tarball_url(version)}\n".encode())
        for name in [*files, VERSION_FILE]:
            os.replace(staging / name, path / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    directory = os.open(path, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def fetch(version=DEFAULT_VERSION, *, path, force=False):
    """Install ``version`` of the package's databases into ``path`` unless it is there already."""
    if not VERSION_PATTERN.fullmatch(version):
        raise FetchError(f"not a package version: {version!r}")
    names = [name for name, _kind in MEMBERS.values()]
    if not force and installed_version(path) == version and all((path / name).is_file() for name in names):
        return FetchResult(version, path, installed=False, sizes={name: (path / name).stat().st_size for name in names})
    integrity = integrity_for(version)
    data = download(tarball_url(version))
    verify(data, integrity)
    files = extract(data)
    try:
        install(files, version=version, integrity=integrity, path=path)
    except OSError as exc:
        raise FetchError(f"cannot write to {path}: {exc}") from exc
    return FetchResult(version, path, installed=True, sizes={name: len(data) for name, data in files.items()})
