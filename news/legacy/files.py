"""The files old articles offered for download: which types come over, and under what name.

A file is imported only when its first bytes are what its extension claims (a ``.pdf``
starting ``%PDF``, a ``.docx`` a ZIP, a ``.doc`` an OLE compound file, a ``.txt`` text):
no page, script or program reaches readers as a "spreadsheet". Each is served as a
download (``Content-Disposition: attachment``) under a cleaned copy of its old name.
"""

import re
import unicodedata
from pathlib import PurePosixPath

MAX_BYTES = 50 * 1024 * 1024
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
# extension: (content type, accepted first bytes; None: text)
TYPES = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".doc": ("application/msword", (_OLE,)),
    ".xls": ("application/vnd.ms-excel", (_OLE,)),
    ".ppt": ("application/vnd.ms-powerpoint", (_OLE,)),
    ".wps": ("application/vnd.ms-works", (_OLE,)),
    ".et": ("application/vnd.ms-excel", (_OLE,)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (_ZIP,)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (_ZIP,)),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", (_ZIP,)),
    ".zip": ("application/zip", (_ZIP,)),
    ".rar": ("application/vnd.rar", (b"Rar!\x1a\x07",)),
    ".7z": ("application/x-7z-compressed", (b"7z\xbc\xaf\x27\x1c",)),
    ".txt": ("text/plain", None),
    ".csv": ("text/csv", None),
}


class Refused(Exception):
    """The file is not imported; the message says why (it goes to the import report)."""


def _is_text(head):
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4:  # a character cut by the end of the sample
                return True
            continue
        return True
    return False


def check(path, filename):
    """The content type to serve ``path`` with, or :class:`Refused`."""
    extension = PurePosixPath(filename.lower()).suffix
    if extension not in TYPES:
        raise Refused(f"file type not accepted: {extension or 'none'}")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise Refused(f"larger than {MAX_BYTES // (1024 * 1024)} MB: {size} bytes")
    if size == 0:
        raise Refused("empty file")
    content_type, magic = TYPES[extension]
    with path.open("rb") as handle:
        head = handle.read(4096)
    if magic is None and not _is_text(head):
        raise Refused(f"not text, though named {extension}")
    if magic is not None and not head.startswith(magic):
        raise Refused(f"content is not {extension}")
    return content_type


_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def download_name(filename, fallback="file"):
    """The old name, cleaned: no folders, control or reserved characters; at most 100 long."""
    name = unicodedata.normalize("NFC", (filename or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = _UNSAFE.sub("_", name).strip(" .")
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    stem = stem[: 100 - len(extension) - 1] or fallback
    return f"{stem}.{extension}" if extension else stem


def storage_name(attach_id, filename):
    """An ASCII file name for storage: the id and the old extension (the download keeps the old name)."""
    extension = PurePosixPath(filename.lower()).suffix
    return f"discuz-{attach_id}{extension if extension in TYPES else ''}"
