"""Sensitive-word filter for user comments: one Aho–Corasick automaton over normalized text.

Both the configured words and the comment go through the same normalization (NFKC, casefold, then
dropping separators, punctuation, symbols, control/format characters and leftover combining marks), so
the usual evasions (``敏 感 词``, ``敏*感*词``, zero-width joiners, emoji between characters, ``ｆｕｃｋ``,
``F.U.C.K``) reduce to the configured word. Every kept character remembers where it came from, so a match
maps back to a span of the original comment, noise included.

Pure Python plus ``pyahocorasick``; it imports nothing from Django, so it can be built and tested alone.
"""

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick

BLOCK = "block"  # 禁止: comment refused
HOLD = "hold"  # 审核: comment held for moderation
REPLACE = "replace"  # 替换: matched text replaced with ＊ (U+FF0A)
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

# Per-character results are cached because a comment is mostly the same few thousand characters; the cap
# keeps someone posting every code point from growing the cache without bound.
_CACHE_LIMIT = 65536
_char_cache: dict[str, tuple[str, bool]] = {}


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


def _char_info(ch: str) -> tuple[str, bool]:
    """(folded form of ch alone, whether ch is a combining mark that belongs to the character before it)."""
    info = _char_cache.get(ch)
    if info is None:
        info = (_fold(ch), unicodedata.category(ch)[0] == "M")
        if len(_char_cache) < _CACHE_LIMIT:
            _char_cache[ch] = info
    return info


def normalize(text: str) -> tuple[str, list[int]]:
    """Return (normalized text, positions) where positions[i] is the index in the original
    text of normalized character i."""
    out: list[str] = []
    positions: list[int] = []
    n = len(text)
    i = 0
    while i < n:
        folded, _ = _char_info(text[i])
        j = i + 1
        while j < n and _char_info(text[j])[1]:
            j += 1
        if j > i + 1:
            # A base plus combining marks must be normalized together, or "e" + U+0301 would never
            # compose to the "é" a configured word contains.
            folded = _fold(text[i:j])
        for ch in folded:
            out.append(ch)
            positions.append(i)
        i = j
    return "".join(out), positions


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
    text: str  # the original text with REPLACE spans masked, one ＊ per character; the input when none


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
                automaton.add_word(key, (len(key), word, action))
            automaton.make_automaton()
            self._automaton = automaton

    def __len__(self) -> int:
        return self._size

    def check(self, text: str) -> Verdict:
        if self._automaton is None or not text:
            return Verdict(None, (), text)
        normalized, positions = normalize(text)
        if not normalized:
            return Verdict(None, (), text)
        n = len(text)
        matches = []
        for last, (length, word, action) in self._automaton.iter(normalized):
            start = positions[last - length + 1]
            end = positions[last] + 1
            # Combining marks after the last character belong to it; masking "词" but leaving its
            # strokes would leave them floating on the preceding ＊.
            while end < n and _char_info(text[end])[1]:
                end += 1
            matches.append(Match(word, action, start, end))
        if not matches:
            return Verdict(None, (), text)
        matches.sort(key=lambda m: (m.start, m.end, m.word))
        action = max((m.action for m in matches), key=_RANK.__getitem__)
        return Verdict(action, tuple(matches), _mask(text, matches))


def _mask(text: str, matches: list[Match]) -> str:
    """Replace every REPLACE span (merged where they overlap or touch) with one ＊ per character."""
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
        # Chinese input methods type the full-width ＝; "=" inside a word is dropped by normalization
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
