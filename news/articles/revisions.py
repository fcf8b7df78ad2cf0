"""Comparing two article revisions: what changed, field by field, marked with <del>/<ins>."""

import re
from difflib import SequenceMatcher
from pathlib import PurePosixPath

from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from news.articles.body import local_name
from news.articles.sanitize import html_to_text

_BLOCKS = re.compile(r"</(?:p|h[1-6]|li|blockquote|figure|figcaption|tr|pre)>|<br\s*/?>|<hr\s*/?>", re.IGNORECASE)
_IMG_SRC = re.compile(r'<img\s[^>]*?src="([^"]*)"[^>]*>', re.IGNORECASE)


def body_paragraphs(value):
    """The body as a list of plain-text paragraphs; images become ``[图片 name]``."""

    def image_token(match):
        name = local_name(match.group(1)) or match.group(1)
        return " [{} {}] ".format(_("Image"), PurePosixPath(name).name)

    value = _IMG_SRC.sub(image_token, value or "")
    return [text for text in (html_to_text(chunk) for chunk in _BLOCKS.split(value)) if text]


def inline_diff(old, new):
    """Character-level diff of two strings (Chinese has no words to split on)."""
    parts = []
    for op, a1, a2, b1, b2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(escape(old[a1:a2]))
            continue
        if a2 > a1:
            parts.append(format_html("<del>{}</del>", old[a1:a2]))
        if b2 > b1:
            parts.append(format_html("<ins>{}</ins>", new[b1:b2]))
    return mark_safe("".join(str(part) for part in parts))  # noqa: S308 - every part is escaped


def paragraphs_diff(old, new):
    """Paragraph-level diff; paragraphs changed in place get a character-level diff."""
    rows = []
    for op, a1, a2, b1, b2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            rows.extend(("same", escape(text)) for text in old[a1:a2])
        elif op == "replace" and a2 - a1 == b2 - b1:
            rows.extend(("changed", inline_diff(x, y)) for x, y in zip(old[a1:a2], new[b1:b2], strict=True))
        else:
            rows.extend(("removed", format_html("<del>{}</del>", text)) for text in old[a1:a2])
            rows.extend(("added", format_html("<ins>{}</ins>", text)) for text in new[b1:b2])
    return rows


def compare(older, newer):
    """Rows ``(label, changed, html)`` for the short fields and the body's paragraphs."""

    def text(revision, field):
        value = getattr(revision, field)
        return "" if value is None else str(value)

    fields = [
        (_("Title"), "title"),
        (_("Summary"), "summary"),
        (_("Category"), "category"),
        (_("Source"), "source"),
        (_("Tags"), "tags"),
        (_("Cover image"), "cover"),
    ]
    rows = []
    for label, field in fields:
        old, new = text(older, field), text(newer, field)
        rows.append((label, old != new, inline_diff(old, new) if old != new else escape(new)))
    return rows, paragraphs_diff(body_paragraphs(older.body), body_paragraphs(newer.body))
