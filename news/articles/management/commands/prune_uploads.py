"""Remove uploaded pictures and videos no saved article uses (#20): a dry run unless ``--delete``.

Reporters upload body pictures in the editor and covers and videos in the form, then take them
out, replace them or never save the article; the files stay. A picture is *used* when an article
names it (its cover, its video's poster, or an ``<img>`` of its body) or when any revision does,
since a revision can be restored; a 专题's cover is used by its topic, a 图集's picture and a video
by its article. Only files older than the grace period (``--days``, 7 by default) are candidates, so one uploaded
into an article still being written is never touched. Each is removed with its WebP/JPEG
renditions (``yzgz.images.delete_with_renditions``). Works on any storage: the directories are
walked with the storage's own ``listdir``.
"""

from datetime import timedelta

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.utils import timezone

from news.articles.body import local_images
from news.articles.editor import BODY_IMAGE_DIR
from news.articles.models import Article, ArticleRevision, GalleryPicture, Topic
from news.articles.video import POSTER_DIR, VIDEO_DIR
from yzgz import images

COVER_DIR = "covers"
TOPIC_COVER_DIR = "topics"  # 专题 covers
GALLERY_DIR = "gallery"  # 图集 pictures
DIRECTORIES = (BODY_IMAGE_DIR, COVER_DIR, TOPIC_COVER_DIR, GALLERY_DIR, VIDEO_DIR, POSTER_DIR)


def walk(storage, directory):
    """Every file name under ``directory`` (storage names, "/"-separated)."""
    try:
        folders, files = storage.listdir(directory)
    except FileNotFoundError:  # nothing was ever uploaded there
        return
    for file in files:
        yield f"{directory}/{file}"
    for folder in folders:
        yield from walk(storage, f"{directory}/{folder}")


def used_names():
    """Storage names of every picture an article or a revision names (cover or body), topics' covers, and
    articles' videos and their posters."""
    used = set(Topic.objects.exclude(cover="").values_list("cover", flat=True))
    used.update(GalleryPicture.objects.values_list("image", flat=True))
    for video, poster in Article.objects.exclude(video="").values_list("video", "video_poster").iterator():
        used.update(name for name in (video, poster) if name)
    for model in (Article, ArticleRevision):
        for cover, body in model.objects.values_list("cover", "body").iterator(chunk_size=500):
            if cover:
                used.add(cover)
            used.update(local_images(body))
    return used


class Command(BaseCommand):
    help = "List (or, with --delete, remove) uploaded pictures and videos no article or revision uses."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7, help="Keep anything uploaded in the last N days (7).")
        parser.add_argument("--delete", action="store_true", help="Remove them; without it, only list them.")

    def handle(self, *args, days, delete, verbosity=1, **options):
        storage = default_storage
        cutoff = timezone.now() - timedelta(days=max(days, 0))
        used = used_names()
        unused = []
        for directory in DIRECTORIES:
            for name in walk(storage, directory):
                if name in used or storage.get_modified_time(name) > cutoff:
                    continue
                unused.append((name, storage.size(name)))
        total = sum(size for _name, size in unused)
        for name, size in unused:
            if delete:
                # A video has no renditions: width 0 removes the file alone, without opening it.
                images.delete_with_renditions(name, 0 if name.startswith(f"{VIDEO_DIR}/") else None, storage)
            if verbosity > 1 or not delete:
                self.stdout.write(f"{'removed' if delete else 'unused'}  {name}  {size:,} bytes")
        verb = "Removed" if delete else "Would remove"
        self.stdout.write(
            f"{verb} {len(unused)} unused upload(s), {total / 1_048_576:.1f} MB, older than {days} days "
            f"(and their renditions); {len(used)} pictures and videos are in use."
            + ("" if delete or not unused else " Run again with --delete to remove them.")
        )
