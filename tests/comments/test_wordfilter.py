"""The comment sensitive-word filter: normalization, evasions, actions, masking and bulk import."""

import random

import pytest

from news.comments.wordfilter import BLOCK, HOLD, REPLACE, Match, Verdict, WordFilter, normalize, parse_bulk

WORD = "敏感词"


@pytest.fixture
def replace_filter():
    return WordFilter([(WORD, REPLACE), ("fuck", REPLACE)])


def spans(verdict):
    return [(m.word, m.start, m.end) for m in verdict.matches]


# Normalization


def test_normalize_drops_noise_and_maps_each_character_to_its_original_index():
    assert normalize("Ａ 敏，b") == ("a敏b", [0, 2, 4])


def test_normalize_maps_every_character_a_compatibility_character_expands_to_onto_it():
    assert normalize("xﬁ㈱y") == ("xfi株y", [0, 1, 1, 2, 3])


# Evasions


@pytest.mark.parametrize(
    "text",
    ["敏 感 词", "敏*感*词", "敏-感.词", "敏　感　词", "敏😀感词", "敏❤️感词", "敏̷感̷词"],
    ids=["spaces", "asterisks", "mixed-punctuation", "ideographic-space", "emoji", "emoji-variation", "zalgo"],
)
def test_noise_between_characters_still_matches_and_is_masked(replace_filter, text):
    verdict = replace_filter.check(f"前{text}后")
    assert spans(verdict) == [(WORD, 1, 1 + len(text))]
    assert verdict.text == "前" + "＊" * len(text) + "后"


@pytest.mark.parametrize("zero_width", ["\u200b", "\u200c", "\u200d", "\ufeff"])
def test_zero_width_characters_between_characters_still_match(replace_filter, zero_width):
    text = zero_width.join(WORD)
    assert spans(replace_filter.check(text)) == [(WORD, 0, 5)]


@pytest.mark.parametrize("text", ["F U C K", "ｆｕｃｋ", "f.u.c.k", "FuCk"])
def test_latin_word_matches_spaced_full_width_dotted_and_upper_case(replace_filter, text):
    assert spans(replace_filter.check(text)) == [("fuck", 0, len(text))]


def test_full_width_letters_and_digits_match_ascii_word():
    verdict = WordFilter([("abc123", BLOCK)]).check("代码ＡＢＣ１２３呢")
    assert spans(verdict) == [("abc123", 2, 8)]


def test_full_width_configured_word_matches_ascii_text():
    verdict = WordFilter([("ＡＢＣ", BLOCK)]).check("xabcx")
    assert spans(verdict) == [("ＡＢＣ", 1, 4)]


def test_upper_case_configured_word_matches_lower_case_text():
    assert spans(WordFilter([("SPAM", HOLD)]).check("no spam")) == [("SPAM", 3, 7)]


def test_decomposed_accent_matches_precomposed_word():
    verdict = WordFilter([("café", REPLACE)]).check("cafe\u0301!")
    assert (spans(verdict), verdict.text) == ([("café", 0, 5)], "＊＊＊＊＊!")


def test_noise_before_the_first_and_after_the_last_character_stays_outside_the_span(replace_filter):
    verdict = replace_filter.check("**敏感词**")
    assert verdict.text == "**＊＊＊**"


# Actions


def test_block_word_gives_block_and_leaves_text_unmasked():
    verdict = WordFilter([(WORD, BLOCK)]).check(f"有{WORD}")
    assert (verdict.action, verdict.text) == (BLOCK, f"有{WORD}")


def test_hold_word_gives_hold_and_leaves_text_unmasked():
    verdict = WordFilter([(WORD, HOLD)]).check(f"有{WORD}")
    assert (verdict.action, verdict.text) == (HOLD, f"有{WORD}")


def test_replace_word_gives_replace_and_masks_one_star_per_character():
    verdict = WordFilter([(WORD, REPLACE)]).check(f"有{WORD}")
    assert (verdict.action, verdict.text) == (REPLACE, "有＊＊＊")


def test_block_outranks_hold_and_replace():
    wordfilter = WordFilter([("甲乙", REPLACE), ("丙丁", HOLD), ("戊己", BLOCK)])
    assert wordfilter.check("甲乙丙丁戊己").action == BLOCK


def test_hold_outranks_replace():
    wordfilter = WordFilter([("甲乙", REPLACE), ("丙丁", HOLD), ("戊己", BLOCK)])
    assert wordfilter.check("甲乙，丙丁").action == HOLD


def test_only_replace_matches_are_masked_when_actions_mix():
    verdict = WordFilter([("甲乙", REPLACE), ("戊己", BLOCK)]).check("甲乙和戊己")
    assert (verdict.action, verdict.text) == (BLOCK, "＊＊和戊己")


def test_replacement_keeps_surrounding_text_and_masks_noise_inside_the_span(replace_filter):
    verdict = replace_filter.check("大家好，敏 -感*词真多。F.U.C.K!")
    assert verdict.text == "大家好，＊＊＊＊＊＊真多。＊＊＊＊＊＊＊!"


def test_clean_text_has_no_action_and_comes_back_unchanged(replace_filter):
    text = "今天去了钧官窑址博物馆，禹州的钧瓷真好！"
    verdict = replace_filter.check(text)
    assert (verdict.action, verdict.matches, verdict.text) == (None, (), text)


def test_every_occurrence_is_reported(replace_filter):
    assert spans(replace_filter.check("敏感词和敏感词")) == [(WORD, 0, 3), (WORD, 4, 7)]


def test_overlapping_words_are_all_reported_and_replace_spans_merge():
    wordfilter = WordFilter([("甲乙丙", REPLACE), ("丙丁", REPLACE), ("乙", HOLD)])
    verdict = wordfilter.check("前甲乙丙丁后")
    assert verdict.matches == (
        Match("甲乙丙", REPLACE, 1, 4),
        Match("乙", HOLD, 2, 3),
        Match("丙丁", REPLACE, 3, 5),
    )
    assert (verdict.action, verdict.text) == (HOLD, "前＊＊＊＊后")


def test_replace_word_inside_a_longer_replace_word_is_masked_once():
    verdict = WordFilter([("甲乙丙丁", REPLACE), ("乙丙", REPLACE)]).check("前甲乙丙丁后")
    assert (spans(verdict), verdict.text) == ([("甲乙丙丁", 1, 5), ("乙丙", 2, 4)], "前＊＊＊＊后")


# Building the filter


def test_duplicate_word_keeps_the_strongest_action_whatever_the_order():
    wordfilter = WordFilter([("ｆｕｃｋ", REPLACE), ("FUCK", BLOCK), ("f u c k", HOLD)])
    verdict = wordfilter.check("fuck")
    assert (len(wordfilter), [(m.word, m.action) for m in verdict.matches]) == (1, [("FUCK", BLOCK)])


def test_empty_whitespace_and_punctuation_only_words_are_ignored():
    wordfilter = WordFilter([("", BLOCK), ("   ", BLOCK), ("\u3000", BLOCK), ("***", BLOCK), (WORD, HOLD)])
    assert (len(wordfilter), wordfilter.check("** 好 **").action) == (1, None)


def test_filter_without_words_passes_everything():
    wordfilter = WordFilter([])
    assert (len(wordfilter), wordfilter.check(WORD)) == (0, Verdict(None, (), WORD))


def test_unknown_action_is_refused():
    with pytest.raises(ValueError, match="delete"):
        WordFilter([(WORD, "delete")])


def test_ten_thousand_word_filter_finds_exactly_the_planted_words():
    rng = random.Random(7)
    words = set()
    while len(words) < 10_000:
        if rng.random() < 0.8:
            words.add("".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(rng.randint(3, 4))))
        else:
            words.add("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(5, 8))))
    entries = [(word, (BLOCK, HOLD, REPLACE)[i % 3]) for i, word in enumerate(sorted(words))]
    wordfilter = WordFilter(entries)
    planted = {entries[10], entries[5000], entries[9999], entries[1234]}
    latin = next(entry for entry in entries if entry[0].isascii())
    planted.add(latin)
    pieces = ["禹州的钧瓷真是越来越好了，"] * 4
    for i, (word, _) in enumerate(sorted(planted)):
        pieces.insert(i * 2, " ".join(word) if i % 2 else word.upper())
    verdict = wordfilter.check("".join(pieces))
    assert len(wordfilter) == 10_000
    assert {(m.word, m.action) for m in verdict.matches} == planted


# Bulk import


def test_parse_bulk_reads_english_and_chinese_actions_and_defaults_to_replace():
    text = "# 评论敏感词\n\n甲乙=block\n丙丁=审核\n戊己 = 替换\nSPAM=Hold\n庚辛\n"
    assert parse_bulk(text) == (
        [("甲乙", BLOCK), ("丙丁", HOLD), ("戊己", REPLACE), ("SPAM", HOLD), ("庚辛", REPLACE)],
        [],
    )


def test_parse_bulk_accepts_a_full_width_equals_sign():
    assert parse_bulk("甲乙＝禁止") == ([("甲乙", BLOCK)], [])


def test_parse_bulk_reports_unknown_action_with_line_number_and_keeps_good_lines():
    entries, errors = parse_bulk("甲乙=block\n丙丁=delete\n戊己=禁止")
    assert entries == [("甲乙", BLOCK), ("戊己", BLOCK)]
    assert [(number, line) for number, line, _ in errors] == [(2, "丙丁=delete")]
    assert "未知的处理方式“delete”" in errors[0][2]


def test_parse_bulk_reports_missing_word_missing_action_and_noise_only_word():
    _, errors = parse_bulk("=block\n甲乙=\n***=hold")
    assert errors == [
        (1, "=block", "缺少敏感词"),
        (2, "甲乙=", "等号后缺少处理方式"),
        (3, "***=hold", "敏感词去掉空格、标点和符号后为空"),
    ]


def test_parse_bulk_skips_a_comment_behind_a_byte_order_mark():
    assert parse_bulk("\ufeff# 说明\n甲乙") == ([("甲乙", REPLACE)], [])
