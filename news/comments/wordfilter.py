"""Sensitive-word filter for user comments: one Aho-Corasick automaton over normalized text.

Both the configured words and the comment go through the same normalization (NFKC, casefold, then
dropping separators, punctuation, symbols, control/format characters and leftover combining marks), so
the usual evasions (``敏 感 词``, ``敏*感*词``, zero-width joiners, emoji between characters, full-width
or spaced-out ``F.U.C.K``) reduce to the configured word. Every kept character remembers where it came
from, so a match maps back to a span of the original comment, noise included.

Pure Python plus ``pyahocorasick``; it imports nothing from Django, so it can be built and tested alone.
"""

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick

BLOCK = "block"  # 禁止: comment refused
HOLD = "hold"  # 审核: comment held for moderation
REPLACE = "replace"  # 替换: matched text replaced with U+FF0A FULLWIDTH ASTERISK
ACTIONS = (BLOCK, HOLD, REPLACE)

MASK = "＊"

_RANK = {REPLACE: 1, HOLD: 2, BLOCK: 3}
_ACTION_NAMES = {
    BLOCK: BLOCK,
    HOLD: HOLD,
    REPLACE: REPLACE,
    "禁止": BLOCK,
    "审核": HOLD,
    "替换": REPLACE,
}

# Z separators, P punctuation, S symbols (emoji, skin tones), C controls and format characters (zero-width
# space/joiners, BOM). Mn/Me go too: variation selectors (the U+FE0F after most emoji) and combining
# strokes (Zalgo text) would otherwise split a word; after NFKC the meaningful accents are precomposed.
_NOISE_CATEGORIES = frozenset("ZPSC")
_NOISE_MARKS = frozenset(("Mn", "Me"))

# Tables are filled on first use because a comment is mostly the same few thousand characters; the cap
# stops someone posting every code point from growing them without bound.
_CACHE_LIMIT = 65536

# pyahocorasick finds a node's child by a linear scan, and with thousands of words the root has thousands
# of distinct first characters (Chinese has no small alphabet), which made a 200-character comment cost
# ~0.7 ms. Spelling each character as three 7-bit digits caps every node at 128 children; each digit
# position has its own letter range, so a word can only match starting on a character boundary.
_DIGIT_BITS = 7
_DIGITS = 3  # 21 bits cover all of Unicode
_DIGIT_BASE = 0x100


def _fold(chunk: str) -> str:
    """NFKC + casefold, then drop noise. Casefold can undo NFKC (e.g. U+0130), hence NFKC twice."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", chunk).casefold())
    return "".join(
        ch
        for ch in folded
        if not ch.isspace()
        and (cat := unicodedata.category(ch))[0] not in _NOISE_CATEGORIES
        and cat not in _NOISE_MARKS
    )


def _spell(text: str) -> str:
    mask = (1 << _DIGIT_BITS) - 1
    return "".join(
        chr(_DIGIT_BASE + (k << _DIGIT_BITS) + ((ord(ch) >> (_DIGIT_BITS * (_DIGITS - 1 - k))) & mask))
        for ch in text
        for k in range(_DIGITS)
    )


class _Table(dict):
    """Code point -> string, computed on a miss; str.translate reads it at C speed."""

    def __init__(self, convert):
        super().__init__()
        self._convert = convert

    def __missing__(self, code):
        value = self._convert(chr(code))
        if len(self) < _CACHE_LIMIT:
            self[code] = value
        return value


_FOLDED = _Table(_fold)  # one character of comment -> its normalized form ("" for noise)
_SPELLED = _Table(_spell)  # one normalized character -> its three automaton letters
_FOLDED_SPELLED = _Table(lambda ch: _spell(_FOLDED[ord(ch)]))  # both at once, for the common case


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch)[0] == "M"


def normalize(text: str) -> tuple[str, list[int]]:
    """Return (normalized text, positions) where positions[i] is the index in the original
    text of normalized character i."""
    if unicodedata.is_normalized("NFC", text):
        # Composed text has no base + mark pair that NFKC could still join, so characters fold alone.
        return text.translate(_FOLDED), _positions(text)
    out: list[str] = []
    positions: list[int] = []
    n = len(text)
    i = 0
    while i < n:
        j = i + 1
        while j < n and _is_mark(text[j]):
            j += 1
        # A base and its combining marks are normalized together, or "e" + U+0301 would never compose
        # to the "é" a configured word contains.
        folded = _FOLDED[ord(text[i])] if j == i + 1 else _fold(text[i:j])
        out.append(folded)
        positions.extend([i] * len(folded))
        i = j
    return "".join(out), positions


def _positions(text: str) -> list[int]:
    """Positions for composed text, where each character folds on its own."""
    positions: list[int] = []
    folded = _FOLDED
    for i, ch in enumerate(text):
        size = len(folded[ord(ch)])
        if size == 1:
            positions.append(i)
        elif size:
            positions.extend([i] * size)
    return positions


@dataclass(frozen=True)
class Match:
    word: str  # the word as configured
    action: str
    start: int  # span in the ORIGINAL text, end exclusive
    end: int


@dataclass(frozen=True)
class Verdict:
    action: str | None  # strongest action among matches: BLOCK > HOLD > REPLACE, None when clean
    matches: tuple[Match, ...]
    text: str  # the original text with REPLACE spans masked, one MASK per character; the input when none


class WordFilter:
    """An immutable set of (word, action) pairs compiled into one automaton; safe to share between threads."""

    def __init__(self, entries: Iterable[tuple[str, str]]):
        # normalized word -> (configured word, action); the strongest action wins a duplicate.
        words: dict[str, tuple[str, str]] = {}
        for word, action in entries:
            if action not in _RANK:
                raise ValueError(f"unknown action {action!r} for word {word!r}; expected one of {ACTIONS}")
            key, _ = normalize(word)
            if not key:
                continue
            if key not in words or _RANK[action] > _RANK[words[key][1]]:
                words[key] = (word, action)
        self._size = len(words)
        self._automaton = None
        if words:
            automaton = ahocorasick.Automaton(ahocorasick.STORE_ANY)
            for key, (word, action) in words.items():
                automaton.add_word(key.translate(_SPELLED), (len(key), word, action))
            automaton.make_automaton()
            self._automaton = automaton

    def __len__(self) -> int:
        return self._size

    def check(self, text: str) -> Verdict:
        if self._automaton is None or not text:
            return Verdict(None, (), text)
        if unicodedata.is_normalized("NFC", text):
            # Most comments are clean: spell them in one C pass and only map positions back on a hit.
            spelled = text.translate(_FOLDED_SPELLED)
            positions = None
        else:
            normalized, positions = normalize(text)
            spelled = normalized.translate(_SPELLED)
        found = list(self._automaton.iter(spelled))
        if not found:
            return Verdict(None, (), text)
        if positions is None:
            positions = _positions(text)
        n = len(text)
        matches = []
        for last_letter, (length, word, action) in found:
            last = last_letter // _DIGITS
            start = positions[last - length + 1]
            end = positions[last] + 1
            # Combining marks after the last character belong to it; masking "词" but leaving its
            # strokes would leave them floating on the preceding mask.
            while end < n and _is_mark(text[end]):
                end += 1
            matches.append(Match(word, action, start, end))
        matches.sort(key=lambda m: (m.start, m.end, m.word))
        action = max((m.action for m in matches), key=_RANK.__getitem__)
        return Verdict(action, tuple(matches), _mask(text, matches))


def _mask(text: str, matches: list[Match]) -> str:
    """Replace every REPLACE span (merged where they overlap or touch) with one MASK per character."""
    spans = sorted((m.start, m.end) for m in matches if m.action == REPLACE)
    if not spans:
        return text
    parts = []
    cursor = 0
    for start, end in spans:
        if end <= cursor:
            continue
        start = max(start, cursor)
        parts.append(text[cursor:start])
        parts.append(MASK * (end - start))
        cursor = end
    parts.append(text[cursor:])
    return "".join(parts)


def parse_bulk(text: str) -> tuple[list[tuple[str, str]], list[tuple[int, str, str]]]:
    """Parse bulk-import lines `word=action` (one per line). Action may be given in English
    (block/hold/replace) or Chinese (禁止/审核/替换); a line with just `word` means REPLACE.
    Blank lines and lines starting with # are skipped. Returns (entries, errors) where errors are
    (line number, line, reason in Simplified Chinese)."""
    entries: list[tuple[str, str]] = []
    errors: list[tuple[int, str, str]] = []
    # Lists pasted from Windows Notepad start with a BOM, which would hide a leading "#".
    for number, raw in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        # Chinese input methods type the full-width U+FF1D; "=" inside a word is dropped by normalization
        # anyway, so the last equals sign is the separator.
        word, sep, name = line.replace("＝", "=").rpartition("=")
        if not sep:
            word, name = line, REPLACE
        word, name = word.strip(), name.strip()
        if sep and not name:
            errors.append((number, line, "等号后缺少处理方式"))
            continue
        action = _ACTION_NAMES.get(name.casefold())
        if action is None:
            errors.append((number, line, f"未知的处理方式“{name}”，应为 禁止、审核、替换（或 block、hold、replace）"))
        elif not word:
            errors.append((number, line, "缺少敏感词"))
        elif not normalize(word)[0]:
            errors.append((number, line, "敏感词去掉空格、标点和符号后为空"))
        else:
            entries.append((word, action))
    return entries, errors
