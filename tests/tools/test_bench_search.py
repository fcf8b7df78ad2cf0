"""``manage.py bench_search --small DB``: the search's large ÷ small ratio from one run, the other
database measured by a second process between this one's rounds."""

import json

import pytest
from django.core.management import call_command
from django.db import connection

from news.articles.factories import make_article

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the second process must see the articles; VACUUM needs no transaction
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="search is benchmarked on PostgreSQL"),
]


def test_it_measures_both_databases_in_turn_and_prints_the_ratio(tmp_path, capsys, category, reporter):
    for title in ("社区志愿服务队成立", "钧瓷文化节开幕", "夏都街道停水通知"):
        make_article(title=title, body="<p>居民参加活动。</p>", category=category, author=reporter)
    out = tmp_path / "search.json"

    call_command("bench_search", runs=2, rounds=2, small=connection.settings_dict["NAME"], json=str(out))

    result = json.loads(out.read_text(encoding="utf-8"))
    assert len(result["rounds"]) == 2
    for measured in result["rounds"]:
        assert measured["small"]["articles"] == measured["large"]["articles"] == 3
        assert measured["p50_ratio"] > 0
    matches = {row["query"]: row["matches"] for row in result["search"]}
    assert matches["社区"] == 1 and matches["文化节"] == 1 and matches["乡村振兴"] == 0
    assert "large ÷ small at p50, median of 2 rounds" in capsys.readouterr().out
