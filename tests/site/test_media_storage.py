"""Uploads in S3-compatible object storage (``DJANGO_MEDIA_STORAGE=s3``), against moto's S3 server.

The settings come from :func:`yzgz.storage.media_storage`, the function settings.py calls; the
uploads go through the real paths (the newsroom's cover and body-image uploads with their
renditions, a resident's avatar) and must land in the bucket, and the pages must point readers
at the bucket's public address (``DJANGO_MEDIA_URL``), which the Content-Security-Policy allows.
"""

import io
import json
import os
import re
import subprocess
import sys
import tarfile
import urllib.request
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from news.articles.factories import make_article, make_cover, make_image_bytes, make_user
from news.articles.models import Article
from tests.articles.admin_forms import article_form
from tests.viewcounts.test_viewcount_processes import free_port
from yzgz import images, security
from yzgz.storage import media_storage

ROOT = Path(__file__).resolve().parents[2]
BUCKET = "yzgz-media"
PUBLIC_READ = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}
        ],
    }
)
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def s3_server():
    """moto's S3-compatible server on 127.0.0.1, with an empty bucket made per test."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def s3_environment(endpoint):
    return {
        "DJANGO_MEDIA_STORAGE": "s3",
        "DJANGO_MEDIA_URL": f"{endpoint}/{BUCKET}/",  # path-style public URL of the bucket
        "DJANGO_S3_BUCKET": BUCKET,
        "DJANGO_S3_ENDPOINT_URL": endpoint,
        "DJANGO_S3_REGION": "us-east-1",
        "DJANGO_S3_ADDRESSING_STYLE": "path",
    }


def s3_client(endpoint):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        **{
            "aws_access_key_id": CREDENTIALS["AWS_ACCESS_KEY_ID"],
            "aws_secret_access_key": CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        },
    )


@pytest.fixture
def bucket(s3_server, settings, monkeypatch):
    """The site's uploads in a fresh bucket; returns a helper listing its keys."""
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    client = s3_client(s3_server)
    existing = [b["Name"] for b in client.list_buckets()["Buckets"]]
    if BUCKET in existing:
        for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
    else:
        client.create_bucket(Bucket=BUCKET)
        # Readers fetch uploads anonymously (README: a public-read policy, or a CDN in front).
        client.put_bucket_policy(Bucket=BUCKET, Policy=PUBLIC_READ)
    default, media_url = media_storage(s3_environment(s3_server))
    settings.STORAGES = {**settings.STORAGES, "default": default}
    settings.MEDIA_URL = media_url
    settings.MEDIA_ROOT = "/nonexistent/uploads-must-not-touch-the-disk"
    security._asset_origins.cache_clear()
    security._image_origins.cache_clear()
    yield _Bucket(client, media_url)
    security._asset_origins.cache_clear()
    security._image_origins.cache_clear()


class _Bucket:
    def __init__(self, client, media_url):
        self.client = client
        self.url = media_url

    def objects(self):
        return {item["Key"] for item in self.client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}

    def fetch(self, url):
        """What a reader's browser gets for an image URL on a page."""
        assert url.startswith(self.url), f"{url} is not in the bucket {self.url}"
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - moto on 127.0.0.1
            return response.status, response.read(), response.headers


def image_urls(markup):
    """Every URL in src and srcset attributes of <img> and <source>."""
    urls = re.findall(r'<(?:img|source)\b[^>]*?\ssrc="([^"]+)"', markup)
    for srcset in re.findall(r'<(?:img|source)\b[^>]*?\ssrcset="([^"]+)"', markup):
        urls += [item.strip().rsplit(" ", 1)[0] for item in srcset.split(",") if item.strip()]
    return urls


def test_a_cover_and_a_body_image_land_in_the_bucket_and_the_page_points_at_it(client, reporter, category, bucket):
    client.force_login(reporter)
    photo = SimpleUploadedFile("现场.jpg", make_image_bytes(1000, 750, seed=2), content_type="image/jpeg")
    response = client.post(reverse("admin:news_article_upload_image"), {"file": photo})
    assert response.status_code == 201, response.content
    body_url = response.json()["url"]
    assert body_url.startswith(bucket.url + "body/")
    body_name = body_url[len(bucket.url) :]
    renditions = {images.rendition_name(body_name, w, e) for w in (400, 800, 1000) for e in ("webp", "jpg")}
    assert {body_name} | renditions <= bucket.objects()

    # Saving the article keeps the body image as ours: it is not fetched again as a picture
    # "from another site" (which, on a private address like this one, would be refused).
    cover = SimpleUploadedFile("IMG_0001.jpg", make_image_bytes(1300, 900, seed=3), content_type="image/jpeg")
    body = f'<p>开幕式现场：</p><p><img src="{body_url}" alt="钧瓷文化节"></p>'
    response = client.post(reverse("admin:news_article_add"), {**article_form(category, body=body), "cover": cover})
    assert response.status_code == 302, re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode())
    article = Article.objects.get(title="禹州新闻")
    assert f'src="{body_url}"' in article.body
    cover_keys = {article.cover.name} | {
        images.rendition_name(article.cover.name, w, e) for w in (400, 800, 1200) for e in ("webp", "jpg")
    }
    assert cover_keys <= bucket.objects()
    assert bucket.client.head_object(Bucket=BUCKET, Key=article.cover.name)["CacheControl"] == (
        "public, max-age=2592000"
    )

    client.logout()
    response = client.get(article.get_absolute_url())
    page = response.content.decode()
    urls = image_urls(page)
    stems = [Path(article.cover.name).stem, Path(body_name).stem]
    ours = [url for url in urls if any(stem in url for stem in stems)]
    assert all(any(stem in url for url in ours) for stem in stems)
    for url in ours:
        status, _data, headers = bucket.fetch(url)
        assert status == 200 and headers["Content-Type"].startswith("image/"), url
    # Readers' browsers may load them: the bucket's origin is in img-src (and only there).
    policy = dict(item.strip().split(" ", 1) for item in response["Content-Security-Policy"].split(";"))
    origin = bucket.url.rstrip("/").rsplit("/", 1)[0]
    assert origin in policy["img-src"].split()
    assert all(origin not in policy[name] for name in ("script-src", "style-src", "font-src", "default-src"))


def test_an_avatar_lands_in_the_bucket_and_the_profile_shows_it_from_there(client, resident, bucket):
    client.force_login(resident)
    upload = SimpleUploadedFile("me.png", make_image_bytes(600, 400, image_format="PNG"), content_type="image/png")
    response = client.post("/accounts/profile/", {"nickname": "老禹州", "avatar": upload})
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.avatar.name in bucket.objects()
    page = client.get("/accounts/profile/").content.decode()
    (src,) = [url for url in image_urls(page) if "avatars/" in url]
    status, data, _headers = bucket.fetch(src)
    assert status == 200
    with Image.open(io.BytesIO(data)) as image:
        assert (image.format, image.size) == ("JPEG", (256, 256))


def test_two_residents_uploading_avatar_jpg_in_the_same_month_keep_their_own(client, bucket):
    """Object storage overwrites a key by default; ours gives a second upload its own name, as the disk does."""
    names = []
    for index, username in enumerate(("resident_a", "resident_b")):
        user = make_user(username)
        client.force_login(user)
        upload = SimpleUploadedFile("me.jpg", make_image_bytes(300, 300, seed=index), content_type="image/jpeg")
        assert client.post("/accounts/profile/", {"nickname": "", "avatar": upload}).status_code == 302
        user.refresh_from_db()
        names.append(user.avatar.name)
    assert names[0] != names[1]
    assert set(names) <= bucket.objects()


def test_a_bucket_that_refuses_writes_is_a_clear_503_and_nothing_is_saved(client, resident, bucket, settings):
    default = dict(settings.STORAGES["default"])
    default["OPTIONS"] = {**default["OPTIONS"], "bucket_name": "no-such-bucket"}
    settings.STORAGES = {**settings.STORAGES, "default": default}
    client.force_login(resident)
    upload = SimpleUploadedFile("me.jpg", make_image_bytes(300, 300), content_type="image/jpeg")
    response = client.post("/accounts/profile/", {"nickname": "新昵称", "avatar": upload})
    assert response.status_code == 503
    resident.refresh_from_db()
    assert (resident.nickname, resident.avatar.name) == ("", "")


def test_s3_without_a_public_address_or_a_bucket_refuses_to_start(tmp_path):
    """Production settings stop with the missing variable's name rather than serving broken image links."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))}
    for missing, extra in (
        ("DJANGO_MEDIA_URL", {"DJANGO_S3_BUCKET": BUCKET}),
        ("DJANGO_S3_BUCKET", {"DJANGO_MEDIA_URL": "https://media.example.cn/"}),
    ):
        result = subprocess.run(
            [sys.executable, "manage.py", "check"],
            cwd=ROOT,
            env={**env, "DJANGO_MEDIA_STORAGE": "s3", **extra},
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode != 0 and missing in result.stderr


def test_backup_and_restore_carry_the_uploads_of_the_bucket(client, resident, bucket, tmp_path):
    """``manage.py backup`` / ``restore`` read and write uploads through the storage API, so a bucket too."""
    from tools.management.commands.backup import archive_uploads
    from tools.management.commands.restore import restore_uploads

    client.force_login(resident)
    upload = SimpleUploadedFile("me.jpg", make_image_bytes(300, 300), content_type="image/jpeg")
    assert client.post("/accounts/profile/", {"nickname": "", "avatar": upload}).status_code == 302
    make_article(title="桶里的封面", cover=make_cover("cover.jpg", width=900, height=600))
    before = {key: bucket.client.get_object(Bucket=BUCKET, Key=key)["Body"].read() for key in bucket.objects()}
    assert len(before) > 2  # the avatar, the cover and the cover's renditions

    archive = tmp_path / "media.tar.gz"
    assert archive_uploads(default_storage, archive) == len(before)
    for key in before:
        bucket.client.delete_object(Bucket=BUCKET, Key=key)
    hostile_archive = tmp_path / "with-hostile-members.tar.gz"
    with tarfile.open(archive, "r:gz") as original, tarfile.open(hostile_archive, "w:gz") as out:
        for member in original.getmembers():
            out.addfile(member, original.extractfile(member))
        for hostile in ("media/../escaped.jpg", "/media/absolute.jpg", "elsewhere.jpg"):
            info = tarfile.TarInfo(hostile)
            info.size = 1
            out.addfile(info, io.BytesIO(b"x"))
    assert restore_uploads(default_storage, hostile_archive) == len(before)
    after = {key: bucket.client.get_object(Bucket=BUCKET, Key=key)["Body"].read() for key in bucket.objects()}
    assert after == before
