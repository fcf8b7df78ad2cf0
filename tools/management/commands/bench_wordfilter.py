"""Benchmark the comment sensitive-word filter on generated words and comments, without the database."""

import random
import time
from collections import Counter

from django.core.management.base import BaseCommand

from news.comments.wordfilter import ACTIONS, BLOCK, HOLD, REPLACE, WordFilter

# Comments are built from local-news phrases, and words from random CJK code points, so a hit is almost
# always one the generator planted rather than an accident of a small shared alphabet.
PHRASES = (
    "今天去了钧官窑址博物馆", "禹州的钧瓷真是越来越好了", "支持家乡发展", "夏都街道的路修得不错",
    "希望多报道一下顺店镇", "这个活动什么时候还有", "小编辛苦了", "中药材市场人很多", "周末带孩子去大鸿寨",
    "学校门口早上太堵了", "建议在这里加个红绿灯", "点赞", "说得对", "我们村也搞了垃圾分类", "明天天气怎么样",
    "公交车能不能多开几趟", "为家乡的变化感到骄傲", "请问在哪里报名", "老城区的烩面还是那个味", "感谢志愿者",
)  # fmt: skip
PUNCTUATION = "，。！？、……"
# The ways people split a word to slip it past a filter.
NOISE = (" ", "*", "-", ".", "　", "\u200b", "\u200d", "\ufeff", "😀", "❤️", "_", "·")


def make_words(rng, count):
    """Mostly 2-4 character Chinese words, with some Latin ones, all distinct."""
    words = set()
    while len(words) < count:
        if rng.random() < 0.8:
            words.add("".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(rng.randint(2, 4))))
        else:
            words.add("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 8))))
    words = sorted(words)
    rng.shuffle(words)
    # Most lists are mainly words to mask, with fewer to hold and fewest to refuse outright.
    return [(word, rng.choices(ACTIONS, weights=(1, 2, 7))[0]) for word in words]


def disguise(rng, word):
    """The word as a commenter might type it: as is, full-width, upper-case or with noise between letters."""
    style = rng.random()
    if style < 0.5:
        return word
    if style < 0.6:
        # Full-width forms of ASCII sit at a fixed offset from it.
        return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in word)
    if style < 0.7:
        return word.upper()
    sep = rng.choice(NOISE)
    return sep.join(word)


def make_comment(rng, words):
    """A 20-300 character comment; about one in five carries a word, half of those disguised."""
    target = rng.randint(20, 300)
    parts = []
    length = 0
    while length < target:
        part = rng.choice(PHRASES) + rng.choice(PUNCTUATION)
        parts.append(part)
        length += len(part)
    if words and rng.random() < 0.2:
        for _ in range(rng.randint(1, 2)):
            parts.insert(rng.randrange(len(parts) + 1), disguise(rng, rng.choice(words)[0]))
    # Comment boxes cap the length, even if that cuts a planted word short.
    return "".join(parts)[:300]


class Command(BaseCommand):
    help = "Time the sensitive-word filter: build from N generated words, then check M generated comments."
    # The filter needs neither models nor the database, so there is nothing for system checks to verify.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--words", type=int, default=10000, help="Number of generated words (default 10000).")
        parser.add_argument("--comments", type=int, default=20000, help="Number of generated comments (default 20000).")
        parser.add_argument("--seed", type=int, default=20240601, help="Seed for the generator (default fixed).")

    def handle(self, *args, words, comments, seed, **options):
        rng = random.Random(seed)  # noqa: S311 - benchmark data, not security
        entries = make_words(rng, words)
        texts = [make_comment(rng, entries) for _ in range(comments)]

        started = time.perf_counter()
        wordfilter = WordFilter(entries)
        build_ms = (time.perf_counter() - started) * 1000

        verdicts = Counter()
        matches = Counter()
        started = time.perf_counter()
        for text in texts:
            verdict = wordfilter.check(text)
            verdicts[verdict.action] += 1
            matches.update(m.action for m in verdict.matches)
        total = time.perf_counter() - started

        mean_chars = sum(map(len, texts)) / len(texts) if texts else 0
        rows = [
            ("words", f"{len(wordfilter):,}"),
            ("build time (ms)", f"{build_ms:,.1f}"),
            ("comments checked", f"{len(texts):,} (mean {mean_chars:.0f} chars)"),
            ("total seconds", f"{total:.3f}"),
            ("comments per second", f"{len(texts) / total:,.0f}" if total else "-"),
            ("mean µs per comment", f"{total / len(texts) * 1e6:.1f}" if texts else "-"),
        ]
        for action in (BLOCK, HOLD, REPLACE):
            rows.append((f"hits: {action}", f"{verdicts[action]:,} comments, {matches[action]:,} matches"))
        rows.append(("clean", f"{verdicts[None]:,} comments"))
        width = max(len(label) for label, _ in rows)
        for label, value in rows:
            self.stdout.write(f"{label:<{width}}  {value}")
