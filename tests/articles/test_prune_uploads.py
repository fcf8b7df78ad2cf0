"""#20: pictures no saved article uses are removed after a grace period, dry run first."""

import os
import time
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from news.articles.factories import make_article, make_image_bytes
from news.articles.models import ArticleRevision
from yzgz import images

pytestmark = pytest.mark.django_db
OLD = time.time() - 30 * 86400


def upload(name, age=OLD):
    name = images.store_with_renditions(name, ContentFile(make_image_bytes(900, 600)), 900)
    for path in [name, *(images.rendition_name(name, w, e) for w in (400, 800, 900) for e in ("webp", "jpg"))]:
        if default_storage.exists(path):
            os.utime(default_storage.path(path), (age, age))
    return name


def exists(name):
    return default_storage.exists(name)


def test_unused_pictures_go_after_a_dry_run_with_their_renditions(client, media_root, category, reporter):
    in_body = upload("body/2026/11/in-body.jpg")
    cover = upload("covers/2026/11/cover.jpg")
    in_revision = upload("body/2026/10/in-revision.jpg")
    orphan = upload("body/2026/10/orphan.jpg")
    replaced_cover = upload("covers/2026/10/replaced.jpg")
    fresh = upload("body/2026/12/just-uploaded.jpg", age=time.time())
    article = make_article(category=category, author=reporter, body=f'<p><img src="/media/{in_body}" alt=""></p>')
    article.cover.name = cover
    article.save()
    ArticleRevision.objects.create(
        article=article, editor=reporter, title="旧版", body=f'<p><img src="/media/{in_revision}"></p>'
    )

    out = StringIO()
    call_command("prune_uploads", stdout=out)
    report = out.getvalue()
    assert "Would remove 2 unused upload(s)" in report and "--delete" in report
    assert orphan in report and replaced_cover in report
    assert all(exists(name) for name in (in_body, cover, in_revision, orphan, replaced_cover, fresh))

    call_command("prune_uploads", "--delete", stdout=StringIO())
    assert not exists(orphan) and not exists(replaced_cover)
    assert not exists(images.rendition_name(orphan, 400, "webp"))
    assert not exists(images.rendition_name(replaced_cover, 800, "jpg"))
    assert all(exists(name) for name in (in_body, cover, in_revision, fresh))
    assert exists(images.rendition_name(in_body, 400, "webp"))
    # The article page still shows its pictures.
    page = client.get(article.get_absolute_url()).content.decode()
    assert "in-body-800w.webp" in page


def test_the_grace_period_is_a_setting(media_root):
    recent = upload("body/2026/12/three-days.jpg", age=time.time() - 3 * 86400)
    call_command("prune_uploads", "--delete", "--days", "7", stdout=StringIO())
    assert exists(recent)
    call_command("prune_uploads", "--delete", "--days", "2", stdout=StringIO())
    assert not exists(recent)


def test_nothing_to_do_on_an_empty_media_directory(media_root):
    out = StringIO()
    call_command("prune_uploads", stdout=out)
    assert "Would remove 0 unused upload(s)" in out.getvalue()


def test_a_topics_cover_is_kept_and_a_replaced_one_goes(media_root):
    from news.articles.models import Topic

    kept = upload("topics/2026/11/kept.jpg")
    replaced = upload("topics/2026/10/replaced.jpg")
    topic = Topic.objects.create(title="防汛专题", slug="flood", status=Topic.Status.ACTIVE)
    Topic.objects.filter(pk=topic.pk).update(cover=kept)
    call_command("prune_uploads", "--delete", stdout=StringIO())
    assert exists(kept) and exists(images.rendition_name(kept, 400, "webp"))
    assert not exists(replaced) and not exists(images.rendition_name(replaced, 400, "webp"))


def test_a_galleries_pictures_are_kept_and_a_removed_one_goes(media_root, category, reporter):
    from news.articles.models import Article, GalleryPicture

    kept = upload("gallery/2026/11/kept.jpg")
    removed = upload("gallery/2026/10/removed.jpg")
    article = make_article(category=category, author=reporter, kind=Article.Kind.GALLERY)
    picture = GalleryPicture.objects.create(article=article, image=removed, caption="删掉的")
    GalleryPicture.objects.create(article=article, image=kept, caption="留下的")
    picture.delete()  # taken out of the 图集 in the form: the file stays until the prune
    assert exists(removed)
    call_command("prune_uploads", "--delete", stdout=StringIO())
    assert exists(kept) and exists(images.rendition_name(kept, 400, "webp"))
    assert not exists(removed) and not exists(images.rendition_name(removed, 400, "webp"))
