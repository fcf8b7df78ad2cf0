"""署名 (#20, bylines): 记者, 通讯员 and 摄影 under the title, 责任编辑 at the end of the article, as
Chinese news sites print them; in the article's JSON-LD and the API; 责任编辑 filled with the
editor who publishes, and kept when somebody is named already. 发布者 stays the account."""

import json
import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from news.articles import services
from news.articles.factories import make_article
from news.articles.models import Article, names
from tests.articles.admin_forms import article_form
from tests.articles.test_metadata import items_of_type, structured

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:news_article_add")


def page(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("张三、李四", ["张三", "李四"]),
        ("  张三 李四，王五；张三 ", ["张三", "李四", "王五"]),
        ("", []),
        ("、、", []),
    ],
)
def test_names_are_split_on_spaces_and_chinese_separators(value, expected):
    assert names(value) == expected


def test_the_article_page_prints_the_bylines_as_chinese_news_sites_do(client, category, reporter):
    article = make_article(
        title="钧瓷文化节开幕",
        body="<p>正文最后一段。</p>",
        category=category,
        author=reporter,
        reporters="王晓东、<b>李静</b>",
        correspondents="孙丽",
        photographers="张伟",
        responsible_editor="赵敏",
    )
    html = page(client, article)
    credits = re.search(r'<p class="article__credits">(.*?)</p>', html).group(1)
    spans = re.findall(r'<span class="article__credit">(.*?)</span>', credits)
    assert spans == ["记者：王晓东 &lt;b&gt;李静&lt;/b&gt;", "通讯员：孙丽", "摄影：张伟"]
    assert "<b>李静</b>" not in html
    # 责任编辑 at the end of the article, after its last paragraph.
    assert html.index("正文最后一段。") < html.index('<p class="article__editor">（责任编辑：赵敏）</p>')
    assert re.search(r"发布者:\s*<a [^>]*>reporter1</a>", html), "发布者 stays the account"


def test_an_article_without_bylines_prints_none(client, category, reporter):
    html = page(client, make_article(title="无署名", category=category, author=reporter))
    assert "article__credits" not in html and "article__editor" not in html


def test_json_ld_names_the_reporters_as_authors_and_the_editor(client, category, reporter):
    article = make_article(
        title="有署名",
        category=category,
        author=reporter,
        reporters="王晓东 李静",
        correspondents="孙丽",
        photographers="张伟",
        responsible_editor="赵敏",
    )
    [item] = items_of_type(structured(page(client, article)), "NewsArticle")
    assert [person["name"] for person in item["author"]] == ["王晓东", "李静"]
    assert [person["name"] for person in item["contributor"]] == ["孙丽", "张伟"]
    assert item["editor"] == {"@type": "Person", "name": "赵敏"}
    plain = make_article(title="没有署名", category=category, author=reporter)
    [item] = items_of_type(structured(page(client, plain)), "NewsArticle")
    assert [person["name"] for person in item["author"]] == [reporter.display_name]
    assert "editor" not in item and "contributor" not in item


def test_the_editor_who_publishes_becomes_the_editor_in_charge(client, category, editor):
    client.force_login(editor)
    form = article_form(category, title="编辑发布的稿件", reporters="王晓东", author=editor.pk)
    response = client.post(ADD_URL, form)
    assert response.status_code == 302
    article = Article.objects.get(title="编辑发布的稿件")
    assert (article.reporters, article.responsible_editor) == ("王晓东", editor.display_name)
    # Named by hand: kept.
    response = client.post(ADD_URL, {**form, "title": "另署责编", "responsible_editor": "赵敏"})
    assert response.status_code == 302
    assert Article.objects.get(title="另署责编").responsible_editor == "赵敏"


def test_a_submission_is_not_signed_until_an_editor_publishes_it(client, category, reporter, editor):
    reporter.groups.first().permissions.remove(Permission.objects.get(codename="publish_article"))
    client.force_login(reporter)
    response = client.post(ADD_URL, article_form(category, title="送审的稿件", status="review", reporters="王晓东"))
    assert response.status_code == 302
    article = Article.objects.get(title="送审的稿件")
    assert (article.status, article.responsible_editor) == (Article.Status.REVIEW, "")
    # The editor publishes it from the list (the bulk action): signed by them.
    services.publish([article.pk], by=editor)
    article.refresh_from_db()
    assert (article.status, article.responsible_editor) == (Article.Status.PUBLISHED, editor.display_name)


def test_bulk_publishing_keeps_a_named_editor(category, reporter, editor):
    named = make_article(title="已署责编", category=category, author=reporter, status=Article.Status.DRAFT)
    named.responsible_editor = "赵敏"
    named.save()
    services.publish([named.pk], by=editor)
    named.refresh_from_db()
    assert named.responsible_editor == "赵敏"


def test_the_admin_form_has_a_byline_section_in_chinese(client, editor):
    client.force_login(editor)
    html = client.get(ADD_URL).content.decode()
    section = re.search(r"<fieldset[^>]*>\s*<h2[^>]*>署名</h2>(.*?)</fieldset>", html, re.S)
    assert section, "a 署名 section"
    labels = re.findall(r"<label[^>]*>([^<]+)</label>", section.group(1))
    assert [label.rstrip(":：") for label in labels] == ["记者", "通讯员", "摄影", "原作者", "责任编辑"]


def test_the_api_gives_the_bylines(client, category, reporter):
    article = make_article(
        title="接口署名", category=category, author=reporter, reporters="王晓东、李静", responsible_editor="赵敏"
    )
    body = json.loads(client.get(f"/api/v1/articles/{article.pk}").content)
    assert body["reporters"] == ["王晓东", "李静"]
    assert (body["correspondents"], body["photographers"], body["responsible_editor"]) == ([], [], "赵敏")
    assert body["publisher"]["username"] == "reporter1"


def test_a_name_too_long_is_refused_with_a_message_and_nothing_saved(client, category, editor):
    client.force_login(editor)
    response = client.post(ADD_URL, article_form(category, title="太长的署名", reporters="王" * 201, author=editor.pk))
    assert response.status_code == 200
    assert not Article.objects.filter(title="太长的署名").exists()
    assert response.context_data["adminform"].form.errors.as_data().keys() == {"reporters"}
    assert "不超过 200 字符" in response.content.decode()
