"""#20 video: an uploaded MP4 probed for real (the upload corpus below), a poster chosen or taken from
it, embeds of 腾讯视频 and 哔哩哔哩 only, and the page, its CSP and its JSON-LD.

The corpus is made at test time with PyAV (``make_video_bytes``): tiny real videos of 64×48 pixels.
"""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.core.management import call_command
from django.urls import reverse
from lxml import html as lxml_html

from news.articles import video
from news.articles.factories import make_article, make_cover, make_image_bytes, make_video_bytes
from news.articles.models import Article
from news.articles.sanitize import sanitize_html
from tests.articles.admin_forms import article_form
from yzgz import images

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:news_article_add")


@pytest.fixture(scope="module")
def good():
    """Two seconds of H.264 and AAC in an MP4 with its index first, as phones and editors export it."""
    return make_video_bytes()


@pytest.fixture(scope="module")
def corpus(good):
    """``{name: (file name, bytes, code of the refusal)}``: what a reporter might upload by mistake."""
    index_last = make_video_bytes(faststart=False)
    return {
        "hevc": ("hevc.mp4", make_video_bytes(video_codec="libx265"), "video_codec"),
        "mpeg4-part2": ("old-camera.mp4", make_video_bytes(video_codec="mpeg4"), "video_codec"),
        "mp3-sound": ("mp3.mp4", make_video_bytes(audio_codec="libmp3lame"), "audio_codec"),
        "webm-renamed": (
            "webm.mp4",
            make_video_bytes(container="webm", video_codec="libvpx-vp9", audio_codec="libopus"),
            "not_mp4",
        ),
        "quicktime-renamed": ("iphone.mp4", make_video_bytes(container="mov"), "not_mp4"),
        "truncated-index-first": ("cut.mp4", good[: len(good) // 2], "truncated"),
        "truncated-index-last": ("cut2.mp4", index_last[: len(index_last) // 2], "damaged"),
        "png-renamed": ("picture.mp4", make_image_bytes(64, 48, image_format="PNG"), "not_mp4"),
        "text-renamed": ("notes.mp4", "这不是视频，是一段文字。".encode() * 20, "not_mp4"),
        "ftyp-then-garbage": ("garbage.mp4", good[:32] + bytes(range(256)) * 12, "damaged"),
        "empty": ("empty.mp4", b"", "empty"),
    }


def uploaded(name, content):
    return SimpleUploadedFile(name, content, content_type="video/mp4")


def stored_files(media_root):
    return sorted(str(path.relative_to(media_root)) for path in media_root.rglob("*") if path.is_file())


# --- the probe ----------------------------------------------------------------------------------


def test_a_good_mp4_is_accepted_with_its_size_length_and_a_frame(good):
    info = video.probe(uploaded("good.mp4", good))
    assert (info.width, info.height, info.duration) == (64, 48, timedelta(seconds=2))
    assert info.frame.size == (64, 48)


def test_a_video_without_sound_is_accepted():
    assert video.probe(uploaded("silent.mp4", make_video_bytes(audio_codec=None))).width == 64


@pytest.mark.parametrize(
    "case",
    [
        "hevc",
        "mpeg4-part2",
        "mp3-sound",
        "webm-renamed",
        "quicktime-renamed",
        "truncated-index-first",
        "truncated-index-last",
        "png-renamed",
        "text-renamed",
        "ftyp-then-garbage",
        "empty",
    ],
)
def test_the_probe_refuses_the_corpus_with_a_reason(corpus, case):
    name, content, code = corpus[case]
    with pytest.raises(ValidationError) as refused:
        video.probe(uploaded(name, content))
    assert refused.value.code == code


def test_a_file_over_the_limit_is_refused_before_it_is_read(settings):
    """A 300 MB upload (Django counted its size while streaming it to a temporary file) is never opened."""
    settings.VIDEO_MAX_BYTES = 200 * 1024 * 1024

    class Unreadable(UploadedFile):
        def read(self, *args):
            raise AssertionError("the probe read a file over the limit")

        def seek(self, *args):
            raise AssertionError("the probe read a file over the limit")

    with pytest.raises(ValidationError) as refused:
        video.probe(Unreadable(name="huge.mp4", size=300 * 1024 * 1024))
    assert refused.value.code == "too_large"
    assert "300.0" in str(refused.value.messages) and "200.0" in str(refused.value.messages)


def test_a_phone_video_recorded_sideways_gets_an_upright_poster():
    info = video.probe(uploaded("phone.mp4", make_video_bytes(rotation=-90)))
    assert (info.width, info.height) == (48, 64)
    assert info.frame.size == (48, 64)


# --- the admin form: refused uploads store nothing ---------------------------------------------


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("hevc", "只有 H.264 能在所有浏览器中播放"),
        ("mpeg4-part2", "MPEG-4 Part 2"),
        ("mp3-sound", "只有 AAC 能在所有浏览器中播放"),
        ("webm-renamed", "这个文件不是 MP4 视频"),
        ("quicktime-renamed", "QuickTime"),
        ("truncated-index-first", "视频不完整"),
        ("truncated-index-last", "文件已损坏或不完整"),
        ("png-renamed", "这个文件不是 MP4 视频"),
        ("text-renamed", "这个文件不是 MP4 视频"),
    ],
)
def test_the_form_refuses_a_bad_video_in_chinese_and_stores_nothing(
    client, reporter, category, media_root, corpus, case, message
):
    name, content, _code = corpus[case]
    client.force_login(reporter)
    response = client.post(ADD_URL, {**article_form(category), "video": uploaded(name, content)})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["video"]
    assert message in errors[0]
    assert not Article.objects.exists()
    assert not media_root.exists() or stored_files(media_root) == []


def test_the_form_refuses_a_huge_video_and_stores_nothing(client, reporter, category, media_root, settings, good):
    """The limit is a setting (DJANGO_VIDEO_MAX_BYTES): here 4 KB, so the corpus' "huge" file is small."""
    settings.VIDEO_MAX_BYTES = 4096
    huge = make_video_bytes(seconds=3, width=160, height=120)
    assert len(huge) > 4096
    client.force_login(reporter)
    response = client.post(ADD_URL, {**article_form(category), "video": uploaded("huge.mp4", huge)})
    assert response.status_code == 200
    assert "上限是 4.0\xa0KB" in response.context["adminform"].form.errors["video"][0]
    assert not Article.objects.exists()
    assert not media_root.exists() or stored_files(media_root) == []


def test_a_good_video_is_stored_with_its_figures_and_a_frame_as_poster(client, reporter, category, media_root, good):
    client.force_login(reporter)
    response = client.post(ADD_URL, {**article_form(category), "video": uploaded("禹州钧瓷 展会.MP4", good)})
    assert response.status_code == 302
    article = Article.objects.get()
    assert article.video.name.startswith("videos/") and article.video.name.endswith(".mp4")
    assert (media_root / article.video.name).read_bytes() == good
    assert (article.video_width, article.video_height, article.video_duration) == (64, 48, timedelta(seconds=2))
    assert article.video_poster.name.startswith("posters/") and article.video_poster.name.endswith(".jpg")
    assert (article.video_poster_width, article.video_poster_height) == (64, 48)
    assert (media_root / images.rendition_name(article.video_poster.name, 64, "jpg")).exists()


def test_a_poster_the_reporter_chooses_is_kept_and_cleaned(client, reporter, category, media_root, good):
    client.force_login(reporter)
    poster = SimpleUploadedFile("poster.jpg", make_image_bytes(640, 360, seed=3), content_type="image/jpeg")
    response = client.post(
        ADD_URL, {**article_form(category), "video": uploaded("v.mp4", good), "video_poster": poster}
    )
    assert response.status_code == 302
    article = Article.objects.get()
    assert (article.video_poster_width, article.video_poster_height) == (640, 360)


def test_a_bad_poster_is_refused_like_a_bad_cover(client, reporter, category, media_root, good):
    client.force_login(reporter)
    poster = SimpleUploadedFile("poster.jpg", b"<svg><script>alert(1)</script></svg>", content_type="image/jpeg")
    response = client.post(
        ADD_URL, {**article_form(category), "video": uploaded("v.mp4", good), "video_poster": poster}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["video_poster"]
    assert not Article.objects.exists()


def test_a_poster_without_a_video_is_refused(client, reporter, category, media_root):
    client.force_login(reporter)
    poster = SimpleUploadedFile("poster.jpg", make_image_bytes(64, 48), content_type="image/jpeg")
    response = client.post(ADD_URL, {**article_form(category), "video_poster": poster})
    assert response.status_code == 200
    assert "请同时上传视频" in response.context["adminform"].form.errors["video_poster"][0]


def test_a_file_and_an_embed_together_are_refused(client, reporter, category, media_root, good):
    client.force_login(reporter)
    response = client.post(
        ADD_URL,
        {
            **article_form(category),
            "video": uploaded("v.mp4", good),
            "video_embed": "https://www.bilibili.com/video/BV1xx411c7mD",
        },
    )
    assert response.status_code == 200
    assert "不能两者都填" in response.context["adminform"].form.errors["video_embed"][0]
    assert not Article.objects.exists()


def test_removing_the_poster_takes_a_frame_again(client, editor, category, media_root, good):
    article = make_article(category=category, author=editor)
    client.force_login(editor)
    change = reverse("admin:news_article_change", args=[article.pk])
    client.post(change, {**article_form(category, status="draft", author=editor.pk), "video": uploaded("v.mp4", good)})
    article.refresh_from_db()
    first = article.video_poster.name
    response = client.post(
        change, {**article_form(category, status="draft", author=editor.pk), "video_poster-clear": "on"}
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.video.name and article.video_poster.name and article.video_poster.name != first


def test_removing_the_video_removes_its_poster_and_figures(client, editor, category, media_root, good):
    article = make_article(category=category, author=editor)
    client.force_login(editor)
    change = reverse("admin:news_article_change", args=[article.pk])
    client.post(change, {**article_form(category, status="draft", author=editor.pk), "video": uploaded("v.mp4", good)})
    response = client.post(change, {**article_form(category, status="draft", author=editor.pk), "video-clear": "on"})
    assert response.status_code == 302
    article.refresh_from_db()
    assert not article.video and not article.video_poster
    assert (article.video_width, article.video_duration) == (None, None)


def test_saving_again_keeps_the_stored_video_poster_and_cover(client, editor, category, media_root, good):
    """A regression: the stored pictures were read again by their validator, on a closed file (a 500)."""
    article = make_article(category=category, author=editor, cover=make_cover())
    client.force_login(editor)
    change = reverse("admin:news_article_change", args=[article.pk])
    data = article_form(category, status="draft", author=editor.pk)
    assert client.post(change, {**data, "video": uploaded("v.mp4", good)}).status_code == 302
    article.refresh_from_db()
    before = (article.cover.name, article.video.name, article.video_poster.name)
    assert client.post(change, {**data, "title": "改了标题"}).status_code == 302
    article.refresh_from_db()
    assert article.title == "改了标题"
    assert (article.cover.name, article.video.name, article.video_poster.name) == before


def test_the_admin_form_has_the_video_fieldset_in_chinese(client, reporter):
    client.force_login(reporter)
    page = client.get(ADD_URL).content.decode()
    tree = lxml_html.fromstring(page)
    assert tree.xpath("//fieldset//h2[normalize-space()='视频']")
    assert tree.xpath("//input[@name='video' and @type='file' and contains(@accept, 'video/mp4')]")
    assert "腾讯视频或哔哩哔哩的视频" in page


# --- embeds -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pasted", "player"),
    [
        ("https://v.qq.com/x/page/j35571zo8bk.html", "https://v.qq.com/txp/iframe/player.html?vid=j35571zo8bk"),
        (
            "https://v.qq.com/x/cover/mzc00200fph94nw/x00174aq5no.html?ptag=share",
            "https://v.qq.com/txp/iframe/player.html?vid=x00174aq5no",
        ),
        ("http://v.qq.com/x/cover/bzfkv5se8qaqel2.html?vid=j002024w2wg", "vid=j002024w2wg"),
        ("https://m.v.qq.com/x/m/play?vid=h0028rgy2x5&cid=", "vid=h0028rgy2x5"),
        (
            '<iframe frameborder="0" src="https://v.qq.com/txp/iframe/player.html?vid=m13563cy49o" '
            'allowFullScreen="true"></iframe>',
            "vid=m13563cy49o",
        ),
        (
            "https://www.bilibili.com/video/BV1xx411c7mD",
            "https://player.bilibili.com/player.html?bvid=BV1xx411c7mD&p=1&autoplay=0",
        ),
        ("https://www.bilibili.com/video/BV1djNdz2Ew2/?p=3&share_source=copy_web", "bvid=BV1djNdz2Ew2&p=3&autoplay=0"),
        ("https://m.bilibili.com/video/BV1RV5uzvErh", "bvid=BV1RV5uzvErh"),
        ("//player.bilibili.com/player.html?isOutside=true&aid=1&bvid=BV1fv4y1T72e&cid=2&p=1", "bvid=BV1fv4y1T72e"),
    ],
)
def test_addresses_of_the_two_platforms_become_their_official_players(pasted, player):
    embed = video.parse_embed(pasted)
    assert embed.player_url.startswith(video.PLAYER_HOSTS) and player in embed.player_url
    assert video.parse_embed(embed.page_url) == embed  # what the form keeps parses back to the same video


@pytest.mark.parametrize(
    "pasted",
    [
        "javascript:alert(1)",
        "javascript://v.qq.com/x/page/j35571zo8bk.html",
        "data:text/html,<script>alert(1)</script>",
        "https://v.youku.com/v_show/id_XNDI1Mjc4OTg2MA==.html",
        "https://www.iqiyi.com/v_19run0maho.html",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://evil.com/v.qq.com/x/page/j35571zo8bk.html",
        "https://v.qq.com.evil.com/x/page/j35571zo8bk.html",
        "https://evil.com/?u=https://www.bilibili.com/video/BV1xx411c7mD",
        "https://v.qq.com@evil.com/x/page/j35571zo8bk.html",
        "https://user@v.qq.com/x/page/j35571zo8bk.html",
        "https://v.qq.com:8443/x/page/j35571zo8bk.html",
        "ftp://v.qq.com/x/page/j35571zo8bk.html",
        'https://v.qq.com/x/page/j355"onload=alert(1).html',
        "https://v.qq.com/x/cover/mzc00200fph94nw.html",  # a series, no episode
        "https://v.qq.com/",
        "https://www.bilibili.com/video/av170001",
        "https://www.bilibili.com/video/BV1xx411c7mD<script>",
        "https://space.bilibili.com/123",
        "https://b23.tv/BV1xx411c7mD",
        '<iframe src="https://evil.com/player.html?vid=x"></iframe>',
        "<script>alert(1)</script>",
    ],
)
def test_anything_else_is_refused(pasted):
    with pytest.raises(ValidationError):
        video.parse_embed(pasted)
    assert video.embed_or_none(pasted) is None


def test_the_form_keeps_the_videos_page_address(client, reporter, category):
    client.force_login(reporter)
    pasted = '<iframe src="//player.bilibili.com/player.html?aid=1&bvid=BV1xx411c7mD&cid=2&p=2"></iframe>'
    response = client.post(ADD_URL, {**article_form(category), "video_embed": pasted})
    assert response.status_code == 302
    assert Article.objects.get().video_embed == "https://www.bilibili.com/video/BV1xx411c7mD?p=2"


def test_the_form_refuses_another_site_in_chinese(client, reporter, category):
    client.force_login(reporter)
    response = client.post(ADD_URL, {**article_form(category), "video_embed": "https://v.youku.com/v_show/id_X.html"})
    assert response.status_code == 200
    assert "只能嵌入腾讯视频（v.qq.com）或哔哩哔哩" in response.context["adminform"].form.errors["video_embed"][0]
    assert not Article.objects.exists()


def test_the_model_refuses_another_site_too(category, reporter):
    article = Article(title="t", body="<p>x</p>", category=category, author=reporter, video_embed="https://evil.com/")
    with pytest.raises(ValidationError) as refused:
        article.full_clean()
    assert "video_embed" in refused.value.message_dict


# --- the page ---------------------------------------------------------------------------------


@pytest.fixture
def video_article(category, reporter, media_root, good):
    article = make_article(
        title="钧瓷文化节开幕",
        category=category,
        author=reporter,
        cover=make_cover(width=960, height=640),
        video=ContentFile(good, name="opening.mp4"),
        video_poster=video.poster_from_frame(video.probe(uploaded("opening.mp4", good)).frame, "opening.mp4"),
        video_width=64,
        video_height=48,
        video_duration=timedelta(seconds=65),
    )
    return article


def page_tree(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return response, lxml_html.fromstring(response.content)


def test_the_page_plays_our_video_with_its_poster_and_loads_nothing_first(client, video_article):
    _response, tree = page_tree(client, video_article)
    (player,) = tree.xpath("//article//video")
    assert player.get("preload") == "none" and "controls" in player.attrib and "playsinline" in player.attrib
    assert (player.get("width"), player.get("height")) == ("64", "48")
    poster = images.rendition_name(video_article.video_poster.name, 64, "jpg")
    assert player.get("poster") == "/media/" + poster
    (source,) = player.xpath("source")
    assert source.get("src") == video_article.video.url and source.get("type") == "video/mp4"
    assert not tree.xpath("//figure[@class='article__cover']")  # the video takes the cover's place
    assert client.get(player.get("poster")).status_code == 200


def test_the_page_frames_an_embed_sandboxed(client, category, reporter):
    article = make_article(category=category, author=reporter, video_embed="https://v.qq.com/x/page/j35571zo8bk.html")
    _response, tree = page_tree(client, article)
    (frame,) = tree.xpath("//iframe")
    assert frame.get("src") == "https://v.qq.com/txp/iframe/player.html?vid=j35571zo8bk&autoplay=false"
    assert frame.get("sandbox") == "allow-scripts allow-same-origin allow-popups allow-presentation"
    assert frame.get("loading") == "lazy" and frame.get("referrerpolicy") == "strict-origin-when-cross-origin"
    # allowfullscreen alone: with allow="fullscreen" beside it Chromium warns that one overrides the other;
    # the Permissions-Policy header limits it to the two players.
    assert "allowfullscreen" in frame.attrib and frame.get("allow") is None
    assert frame.get("title") == f"腾讯视频视频：{article.title}"
    assert tree.xpath("//div[@class='video-embed']/iframe")


def test_a_stored_address_that_does_not_parse_frames_nothing(client, category, reporter):
    """Written past the form (a script, an old row): the page still makes no iframe of it."""
    article = make_article(category=category, author=reporter)
    Article.objects.filter(pk=article.pk).update(video_embed="https://evil.com/x/page/j35571zo8bk.html")
    _response, tree = page_tree(client, article)
    assert not tree.xpath("//iframe")


def test_an_iframe_or_video_pasted_into_the_body_is_dropped(client, category, reporter):
    body = (
        '<p>正文</p><iframe src="https://v.qq.com/txp/iframe/player.html?vid=j35571zo8bk"></iframe>'
        '<video src="/media/videos/x.mp4" autoplay></video><embed src="x.swf"><object data="x"></object>'
    )
    assert sanitize_html(body) == "<p>正文</p>"
    article = make_article(category=category, author=reporter, body=body)
    _response, tree = page_tree(client, article)
    assert not tree.xpath("//iframe | //video | //embed | //object")


def test_the_csp_frames_only_the_two_players_and_plays_our_media(client, category, reporter):
    article = make_article(
        category=category, author=reporter, video_embed="https://www.bilibili.com/video/BV1xx411c7mD"
    )
    for url in (article.get_absolute_url(), "/", reverse("admin:login")):
        header = client.get(url)["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in header.split(";") if " " in part.strip())
        assert directives["frame-src"] == "https://v.qq.com https://player.bilibili.com"
        assert directives["media-src"] == "'self'"
    assert set(video.PLAYER_HOSTS) == {"https://v.qq.com", "https://player.bilibili.com"}


def test_media_from_object_storage_may_play(settings):
    from yzgz.security import policy_additions

    settings.MEDIA_URL = "https://media.example.cn/"
    assert policy_additions("/article/1/")["media-src"] == ["https://media.example.cn"]


def test_the_permissions_policy_leaves_full_screen_to_the_frames_we_allow(client):
    """Its default: our pages, and the frames given allowfullscreen (tests/browser/test_video.py plays one)."""
    assert "fullscreen" not in client.get("/")["Permissions-Policy"]


def test_json_ld_has_a_video_object(client, video_article):
    _response, tree = page_tree(client, video_article)
    data = [json.loads(script.text) for script in tree.xpath("//script[@type='application/ld+json']")]
    (article,) = [item for item in data if item["@type"] == "NewsArticle"]
    clip = article["video"]
    assert clip["@type"] == "VideoObject" and clip["name"] == "钧瓷文化节开幕"
    assert clip["contentUrl"] == "http://testserver" + video_article.video.url
    assert clip["thumbnailUrl"][0].startswith("http://testserver/media/renditions/posters/")
    assert clip["duration"] == "PT1M5S" and (clip["width"], clip["height"]) == (64, 48)
    assert clip["uploadDate"]


def test_json_ld_of_an_embed_names_its_player(client, category, reporter):
    article = make_article(
        category=category, author=reporter, video_embed="https://www.bilibili.com/video/BV1xx411c7mD"
    )
    _response, tree = page_tree(client, article)
    data = [json.loads(script.text) for script in tree.xpath("//script[@type='application/ld+json']")]
    (news,) = [item for item in data if item["@type"] == "NewsArticle"]
    assert news["video"]["embedUrl"].startswith("https://player.bilibili.com/player.html?bvid=BV1xx411c7mD")


def test_an_article_without_video_has_none(client, category, reporter):
    article = make_article(category=category, author=reporter)
    _response, tree = page_tree(client, article)
    assert not tree.xpath("//video | //iframe | //*[contains(@class, 'article__video')]")


# --- cleanup ------------------------------------------------------------------------------------


def test_prune_uploads_keeps_used_videos_and_posters_and_removes_orphans(video_article, media_root, good):
    import os
    import time

    from django.core.files.storage import default_storage

    orphan = default_storage.save("videos/2020/01/orphan.mp4", ContentFile(good))
    old = time.time() - 30 * 86400
    for path in media_root.rglob("*"):
        os.utime(path, (old, old))
    call_command("prune_uploads", "--delete", stdout=StringIO())
    assert not default_storage.exists(orphan)
    assert default_storage.exists(video_article.video.name)
    assert default_storage.exists(video_article.video_poster.name)


def test_the_video_and_embed_pages_are_valid_html(client, video_article, category, reporter, tmp_path):
    """The Nu Html Checker (as tests/site/test_html_validity.py runs it) on both kinds of video."""
    from tests.site.test_html_validity import describe, validate, vnu_command

    command = vnu_command()
    embed = make_article(category=category, author=reporter, video_embed="https://v.qq.com/x/page/j35571zo8bk.html")
    files = []
    for name, article in (("video", video_article), ("embed", embed)):
        file = tmp_path / f"{name}.html"
        file.write_bytes(client.get(article.get_absolute_url()).content)
        files.append(file)
    # The checker warns that allow-scripts with allow-same-origin lets a framed page of *our* origin
    # undo its sandbox. The players are on their platforms' origins: they can reach neither our page
    # nor the iframe element, and they need their own origin (cookies, storage, their APIs) to play.
    errors = [e for e in validate(command, files) if "“allow-scripts” and “allow-same-origin”" not in e["message"]]
    assert not errors, f"{len(errors)} HTML error(s):\n" + "\n".join(map(describe, errors))
