"""The plain text of article HTML (summaries, search documents and snippets): block elements
become a space, whitespace runs one space, and no space is left between two Chinese characters."""

import html
import re

import nh3
from hypothesis import example, given, settings
from hypothesis import strategies as st

from news.articles.sanitize import html_to_text

CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"


def reference(value):
    """The definition, one regular expression per rule (the slower form html_to_text replaced)."""
    value = re.sub(r"</(p|h[1-6]|li|blockquote|figure|figcaption|tr|div)>|<br\s*/?>", " ", value, flags=re.I)
    text = re.sub(r"\s+", " ", html.unescape(nh3.clean(value, tags=set()))).strip()
    return re.sub(rf"(?<=[{CJK}])\s+(?=[{CJK}])", "", text)


def test_paragraphs_of_chinese_meet_without_a_space_and_latin_words_keep_one():
    assert html_to_text("<p>群众参加。</p>\n<p>此次活动</p>") == "群众参加。此次活动"
    assert html_to_text("<p>Hello</p><p>world</p>") == "Hello world"
    assert html_to_text("<p>钧瓷 2026</p><br>年\u3000\u3000展") == "钧瓷 2026 年展"
    assert html_to_text("<p>a &lt;b&gt; &amp;\xa0c</p>") == "a <b> & c"


pieces = st.sampled_from(
    ["<p>", "</p>", "<br>", "<br/>", "</LI>", "<strong>", "</strong>", "&nbsp;", "&amp;", "&#12288;", "<", ">"]
)
characters = st.characters(
    categories=["Lo", "Ll", "Lu", "Nd", "Po", "Ps", "Pe", "Zs", "Cc"],
    include_characters="\u3000\u3001\u3002\uff0c\uff01\u2028\u2029\x85\x1c\t\n\r ",
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(pieces, st.text(characters, max_size=6)), max_size=30).map("".join))
@example("参加。 \u3000\n 此次")
@example("甲\x1c乙 a\x85b")
def test_it_is_the_text_the_rules_define_whatever_the_markup_and_whitespace(value):
    assert html_to_text(value) == reference(value)
