"""Reading the old Discuz! X portal (MySQL/MariaDB) for ``manage.py import_discuz``.

:class:`DiscuzDatabase` connects, checks the tables before anything is written, and reads
tables in primary-key batches (``WHERE pk > last ORDER BY pk LIMIT n``): memory stays flat
however big a table is, no server-side result stays open while images are processed (a
streaming cursor left unread trips MySQL's ``net_write_timeout``), and the same connection
can answer lookups between batches. The helpers below turn old rows into our values.
"""

import hashlib
import html
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, unquote, urlsplit

import pymysql
import pymysql.cursors

REQUIRED_TABLES = (
    "portal_category",
    "portal_article_title",
    "portal_article_content",
    "portal_comment",
    "common_member",
)
OPTIONAL_TABLES = (
    "portal_article_count",
    "common_member_archive",
    "ucenter_members",
    "home_click",
    "common_member_crime",
    "portal_attachment",
)
# Reaction names of a default install, by position, when pre_home_click is missing.
DEFAULT_CLICKS = ["路过", "雷人", "握手", "鲜花", "鸡蛋"]
# Dates before this are placeholders (0, or a broken clock), not publication times.
EARLIEST = datetime(1995, 1, 1, tzinfo=UTC).timestamp()


# Anything the MySQL driver raises (a lost connection mid-run, say).
DatabaseError = pymysql.MySQLError


class DiscuzError(Exception):
    """The old database cannot be read as a Discuz! portal; the message says why."""


def parse_url(url):
    """``mysql://user:password@host:port/dbname`` → connection keyword arguments."""
    parts = urlsplit(url or "")
    database = unquote(parts.path.lstrip("/"))
    if parts.scheme not in {"mysql", "mariadb"} or not parts.hostname or not database:
        raise DiscuzError("Give the old database as mysql://user:password@host:port/dbname")
    try:
        port = parts.port or 3306
    except ValueError as exc:
        raise DiscuzError(f"The port in {parts.netloc.rpartition('@')[2]!r} is not a number.") from exc
    return {
        "host": parts.hostname,
        "port": port,
        "user": unquote(parts.username or "root"),
        "password": unquote(parts.password or ""),
        "database": database,
    }


class DiscuzDatabase:
    def __init__(self, url, prefix="pre_", connect_timeout=10):
        if not re.fullmatch(r"[A-Za-z0-9_]{0,32}", prefix or ""):
            raise DiscuzError(f"The table prefix {prefix!r} may only hold letters, digits and _.")
        self.prefix = prefix or ""
        self.params = parse_url(url)
        self.where = f"{self.params['host']}:{self.params['port']}/{self.params['database']}"
        try:
            self.connection = pymysql.connect(
                **self.params,
                charset="utf8mb4",
                cursorclass=pymysql.cursors.DictCursor,
                connect_timeout=connect_timeout,
                read_timeout=600,
            )
        except pymysql.MySQLError as exc:
            raise DiscuzError(f"Cannot connect to the Discuz database {self.where}: {exc.args[-1]}") from exc
        self.tables = self._tables()
        missing = [self.table(name) for name in REQUIRED_TABLES if name not in self.tables]
        if missing:
            hint = self._prefix_hint()
            raise DiscuzError(
                f"{self.where} has no Discuz! portal tables {', '.join(missing)} (prefix {self.prefix!r})."
                + (f" Its tables use the prefix {hint!r}: try --prefix {hint}" if hint else "")
            )

    def close(self):
        self.connection.close()

    def table(self, name):
        return f"{self.prefix}{name}"

    def has(self, name):
        return name in self.tables

    def _tables(self):
        with self.connection.cursor(pymysql.cursors.Cursor) as cursor:
            cursor.execute("SHOW TABLES")
            names = {row[0] for row in cursor.fetchall()}
        return {name[len(self.prefix) :] for name in names if name.startswith(self.prefix)}

    def _prefix_hint(self):
        with self.connection.cursor(pymysql.cursors.Cursor) as cursor:
            cursor.execute("SHOW TABLES LIKE %s", ("%portal\\_article\\_title",))
            found = [row[0][: -len("portal_article_title")] for row in cursor.fetchall()]
        return found[0] if len(found) == 1 else None

    def query(self, sql, params=()):
        with self.connection.cursor() as cursor:
            cursor.execute(sql.format(p=self.prefix), params)
            return cursor.fetchall()

    def scalar(self, sql, params=()):
        with self.connection.cursor(pymysql.cursors.Cursor) as cursor:
            cursor.execute(sql.format(p=self.prefix), params)
            row = cursor.fetchone()
        return row[0] if row else None

    def batches(self, sql, key, params=(), size=1000):
        """Yield lists of rows of ``sql`` (which ends in a WHERE clause) in ``key`` order.

        ``sql`` holds ``{p}`` for the prefix and ends so that ``AND key > %s`` can follow.
        """
        column = key.rpartition(".")[2]
        last = -1
        while True:
            rows = self.query(f"{sql} AND {key} > %s ORDER BY {key} LIMIT {int(size)}", (*params, last))
            if not rows:
                return
            yield rows
            last = rows[-1][column]

    def attachments_by_id(self, ids):
        """{attachid: row} of portal_attachment for the ids (an empty dict without the table)."""
        if not ids or not self.has("portal_attachment"):
            return {}
        marks = ", ".join(["%s"] * len(ids))
        rows = self.query(
            "SELECT attachid, filename, filesize, attachment, isimage, remote FROM {p}portal_attachment "  # noqa: S608 - placeholders only
            f"WHERE attachid IN ({marks})",
            tuple(ids),
        )
        return {row["attachid"]: row for row in rows}

    def click_names(self):
        """The article reactions by position 1..8 (columns click1..click8)."""
        if not self.has("home_click"):
            return DEFAULT_CLICKS
        rows = self.query(
            # Discuz's click cache numbers click1..click8 by displayorder, highest first
            # (admincp_click: ORDER BY displayorder DESC), ties in id order.
            "SELECT name FROM {p}home_click WHERE idtype = 'aid' AND available = 1 "
            "ORDER BY displayorder DESC, clickid LIMIT 8"
        )
        return [row["name"] for row in rows]


# --- values ----------------------------------------------------------------------------
def timestamp(value):
    """A unix time from the old row as an aware datetime, or None when it is a placeholder."""
    try:
        value = int(value or 0)
    except (TypeError, ValueError):
        return None
    if value < EARLIEST or value > 4102444800:  # 2100-01-01
        return None
    return datetime.fromtimestamp(value, tz=UTC)


def plain(value):
    """A one-line text field of the old site (stored HTML-escaped) as plain text."""
    return " ".join(html.unescape(value or "").split())


def fingerprint(*values):
    return hashlib.sha256("\x1f".join(str(v) for v in values).encode("utf-8", "replace")).hexdigest()


_ATTACH_BBCODE = re.compile(r"\[attach(?:img)?\](\d+)\[/attach(?:img)?\]", re.IGNORECASE)


def join_pages(pages):
    """One body from the content pages in order; each new page starts after an ``<hr>``."""
    parts = []
    for page in pages:
        content = _ATTACH_BBCODE.sub("", page.get("content") or "")
        title = plain(page.get("title"))
        if parts:
            parts.append("<hr>")
        if title and len(pages) > 1:
            parts.append(f"<h2>{html.escape(title)}</h2>")
        parts.append(content)
    return "\n".join(parts)


_IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_SRC = re.compile(r"""\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
ATTACHMENT_MARK = "data/attachment/"


def attachment_path(src):
    """The path under the attachment folder for an old image URL, or None (not ours)."""
    src = html.unescape(src or "").strip()
    path = urlsplit(src).path if "://" in src else src.split("?", 1)[0]
    if ATTACHMENT_MARK not in path:
        return None
    relative = unquote(path.split(ATTACHMENT_MARK, 1)[1]).lstrip("/")
    if not relative or ".." in relative.split("/"):
        return None
    return relative


def rewrite_images(body, replace):
    """Call ``replace(path)`` for every attachment image; it returns a new URL, or None to drop the image."""

    def one(match):
        tag = match.group(0)
        found = _SRC.search(tag)
        if not found:
            return tag
        src = next(group for group in found.groups() if group is not None)
        path = attachment_path(src)
        if path is None:
            return tag
        url = replace(path)
        if url is None:
            return ""
        return tag[: found.start()] + f'src="{html.escape(url, quote=True)}"' + tag[found.end() :]

    return _IMG_TAG.sub(one, body or "")


IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp")
_LINKED_IMG = re.compile(r"(<a\b[^>]*>)(\s*)(<img\b[^>]*>)(\s*)</a>", re.IGNORECASE)
_A_TAG = re.compile(r"<a\b[^>]*>", re.IGNORECASE)
_HREF = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_ARTICLE_HTML = re.compile(r"(?:^|/)article-([0-9]{1,9})-[0-9]{1,6}\.html$")


def _attribute(pattern, tag):
    found = pattern.search(tag)
    if not found:
        return None, None
    return found, next(group for group in found.groups() if group is not None)


def _with(tag, found, name, value):
    return tag[: found.start()] + f'{name}="{html.escape(value, quote=True)}"' + tag[found.end() :]


def old_target(url, old_domains=()):
    """What a link in an old body points at on the old site, or None.

    ``("file", path)`` for a file under data/attachment/, ``("attachment", id)`` for
    ``portal.php?mod=attachment&id=N``, ``("article", aid)`` for ``portal.php?mod=view&aid=N``
    and ``article-N-P.html``. Relative links are the old site's; absolute ones only on one
    of ``old_domains``.
    """
    url = html.unescape(url or "").strip()
    parts = urlsplit(url)
    absolute = bool(parts.scheme) or url.startswith("//")
    if absolute and (parts.scheme not in ("http", "https", "") or (parts.hostname or "").lower() not in old_domains):
        return None
    path = attachment_path(parts.path)
    if path is not None:
        return ("file", path)
    query = parse_qs(parts.query)
    if parts.path.rsplit("/", 1)[-1] == "portal.php":
        mod = query.get("mod", [""])[0]
        key = {"attachment": "id", "view": "aid"}.get(mod)
        value = query.get(key, [""])[0] if key else ""
        if value.isascii() and value.isdigit() and len(value) <= 9:
            return ("attachment" if mod == "attachment" else "article", int(value))
        return None
    found = _ARTICLE_HTML.search(parts.path)
    return ("article", int(found.group(1))) if found else None


def rewrite_links(body, *, image, attachment, article, old_domains=()):
    """Point an old body's pictures and links at their new homes.

    ``image(path)`` stores a picture and returns its URL, ``attachment(kind, value)`` a
    download's URL, ``article(aid)`` an imported article's URL; each returns None when
    there is none. The portal editor wraps each picture in a link to the full-size file
    (``<a href="….jpg"><img src="….jpg.thumb.jpg"></a>``): the original is imported and
    both the picture and the link show it; without it the thumbnail stays, unlinked. A link
    to a file that could not be imported loses its address (no dead link); a link to an old
    article not imported yet is left for a later pass.
    """

    def linked_image(match):
        opening, before, img, after = match.groups()
        href_found, href = _attribute(_HREF, opening)
        target = old_target(href, old_domains) if href_found else None
        if not target or target[0] != "file" or not target[1].lower().endswith(IMAGE_EXTENSIONS):
            return match.group(0)
        url = image(target[1])
        if url is None:
            return before + img + after  # the thumbnail, if it is there, without a dead link
        src_found, _src = _attribute(_SRC, img)
        img = _with(img, src_found, "src", url) if src_found else img
        return _with(opening, href_found, "href", url) + before + img + after + "</a>"

    def link(match):
        tag = match.group(0)
        found, href = _attribute(_HREF, tag)
        target = old_target(href, old_domains) if found else None
        if target is None:
            return tag
        kind, value = target
        if kind == "article":
            url = article(value)
            return tag if url is None else _with(tag, found, "href", url)
        if kind == "file" and value.lower().endswith(IMAGE_EXTENSIONS):
            url = image(value)
        else:
            url = attachment(kind, value)
        if url is None:
            return tag[: found.start()].rstrip() + tag[found.end() :]
        return _with(tag, found, "href", url)

    body = _LINKED_IMG.sub(linked_image, body or "")
    body = _A_TAG.sub(link, body)
    return rewrite_images(body, image)


# Discuz stores a comment after nl2br (``line<br />\r\nline``): a <br> and the newline after it
# are one line break, not two.
_BREAKS = re.compile(r"<br\s*/?>[ \t]*(?:\r\n|\r|\n)?|</(?:p|div|blockquote|li)>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]*>")
_BBCODE = re.compile(r"\[/?(?:b|i|u|s|color|size|font|align|url|email|quote|code|p|list|\*)(?:=[^\]]*)?\]", re.I)
_BBCODE_IMG = re.compile(r"\[img(?:=[^\]]*)?\][^\[]*\[/img\]", re.IGNORECASE)
_QUOTE_END = re.compile(r"</blockquote>\s*</div>", re.IGNORECASE)
_SMILEY = re.compile(r"\[em:\d+:\]", re.IGNORECASE)


def comment_text(message):
    """Plain text with line breaks from an old comment, exactly as the old page showed it.

    Discuz keeps a comment as HTML: the reader's text escaped once (``dhtmlspecialchars``),
    BBCode made tags, line breaks as ``<br />`` plus the typed newline. So tags go, a
    ``<br />`` and its newline become one line break, and entities are decoded exactly once:
    a reader who typed ``&amp;`` sees ``&amp;`` again, not ``&``.
    """
    text = _BBCODE_IMG.sub("", message or "")
    text = _QUOTE_END.sub("</blockquote>", text)  # a quote ends one line, not two
    text = _BREAKS.sub("\n", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _TAGS.sub("", text)
    text = _SMILEY.sub("", _BBCODE.sub("", text))
    text = html.unescape(text).replace("\xa0", " ")
    lines = [line.strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def password_hash(password, salt):
    """Our encoded password for a UCenter row, or None when it is not a known format."""
    password = (password or "").strip()
    salt = (salt or "").strip()
    if password.startswith(("$2y$", "$2a$", "$2b$")) and len(password) == 60:
        return f"discuz_bcrypt${password}"
    if re.fullmatch(r"[0-9a-fA-F]{32}", password) and salt and "$" not in salt:
        return f"discuz_md5${salt}${password.lower()}"
    return None
