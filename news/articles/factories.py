"""Small factories shared by the tests and the demo-data command.

Each ``make_*`` function creates and saves one row with sensible defaults; keyword
arguments override any field. Images are real JPEGs drawn with Pillow.
"""

import io
import itertools
import random
import tempfile
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from news.articles.models import Article, Category, Source

_sequence = itertools.count(1)


def _next():
    return next(_sequence)


def make_user(username=None, *, password="demo-password-123", role=None, **fields):
    """A user; ``role`` is a group name from :mod:`accounts.roles` and makes them staff."""
    user_model = get_user_model()
    user = user_model(username=username or f"user{_next()}", **fields)
    if role:
        user.is_staff = True
    user.set_password(password)
    user.save()
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def make_category(name=None, *, slug=None, parent=None, **fields):
    number = _next()
    return Category.objects.create(
        name=name or f"栏目{number}", slug=slug or f"category-{number}", parent=parent, **fields
    )


def make_source(name=None, **fields):
    return Source.objects.create(name=name or f"来源{_next()}", **fields)


def make_article(*, title=None, category=None, author=None, tags=(), **fields):
    """A published article (published a minute ago) unless told otherwise."""
    fields.setdefault("status", Article.Status.PUBLISHED)
    fields.setdefault("published_at", timezone.now() - timedelta(minutes=1))
    fields.setdefault("body", "<p>禹州关注的测试正文，第一段。</p><p>第二段内容。</p>")
    article = Article.objects.create(
        title=title or f"测试文章{_next()}",
        category=category or make_category(),
        author=author or make_user(),
        **fields,
    )
    if tags:
        article.tags.add(*tags)
    return article


def make_image_bytes(width=960, height=640, *, seed=0, image_format="JPEG"):
    """A real picture (sky, sun, hills, houses) so pages look like a news site."""
    rng = random.Random(seed)
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    top = (rng.randint(60, 140), rng.randint(120, 190), rng.randint(200, 250))
    bottom = (rng.randint(200, 250), rng.randint(200, 235), rng.randint(170, 220))
    for y in range(height):
        t = y / height
        draw.line([(0, y), (width, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    sun_x, sun_r = rng.randint(width // 5, width * 4 // 5), rng.randint(height // 14 + 1, height // 8 + 2)
    draw.ellipse([sun_x - sun_r, height // 5 - sun_r, sun_x + sun_r, height // 5 + sun_r], fill=(255, 236, 170))
    for layer in range(3):
        base = height * (0.55 + 0.12 * layer)
        green = (40 + 30 * layer + rng.randint(0, 30), 110 + 25 * layer + rng.randint(0, 40), 60 + rng.randint(0, 30))
        points = [(0, height)]
        for x in range(0, width + 80, 80):
            points.append((x, base - rng.randint(0, int(height * 0.15))))
        points.append((width, height))
        draw.polygon(points, fill=green)
    for _house in range(rng.randint(3, 7)):
        w, h = rng.randint(width // 20 + 1, width // 9 + 2), rng.randint(height // 10 + 1, height // 4 + 2)
        x = rng.randint(0, max(0, width - w))
        y = height - h - rng.randint(0, height // 10)
        draw.rectangle([x, y, x + w, y + h], fill=(rng.randint(180, 235), rng.randint(170, 220), rng.randint(150, 200)))
        draw.polygon([(x - 8, y), (x + w // 2, y - h // 3), (x + w + 8, y)], fill=(150, 40 + rng.randint(0, 40), 40))
    buffer = io.BytesIO()
    image.save(buffer, image_format, quality=82, optimize=True)
    return buffer.getvalue()


def make_cover(name="cover.jpg", **kwargs):
    """An uploaded-file-like JPEG for ``Article.cover``."""
    return ContentFile(make_image_bytes(**kwargs), name=name)


# Quiet encoders: x264 and x265 print their statistics on stderr otherwise.
_ENCODER_OPTIONS = {"libx264": {"x264-params": "log=-1"}, "libx265": {"x265-params": "log-level=none"}}


def make_video_bytes(
    seconds=2,
    *,
    width=64,
    height=48,
    fps=10,
    video_codec="libx264",
    audio_codec="aac",
    container="mp4",
    faststart=True,
    rotation=0,
    seed=0,
):
    """A real video made with PyAV: a landscape (``make_image_bytes``) with a sun crossing it, and a
    tone. Defaults: two seconds of H.264 and AAC in an MP4 with its index first (``faststart``)."""
    scene = Image.open(io.BytesIO(make_image_bytes(width, height, seed=seed))).convert("RGB")
    options = {"movflags": "faststart"} if faststart and container in {"mp4", "mov"} else {}
    with tempfile.TemporaryDirectory() as folder:  # faststart rewrites the file: a real one
        path = Path(folder) / f"video.{container}"
        _write_video(path, scene, seconds, fps, container, options, video_codec, audio_codec, rotation)
        return path.read_bytes()


def _write_video(path, scene, seconds, fps, container, options, video_codec, audio_codec, rotation):
    import av  # here: only tests and demo data make videos

    width, height = scene.size
    with av.open(str(path), "w", format=container, options=options) as output:
        video = output.add_stream(video_codec, rate=fps, options=_ENCODER_OPTIONS.get(video_codec, {}))
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        if rotation:
            video.set_display_rotation(rotation)
        audio = output.add_stream(audio_codec, rate=48000, layout="mono") if audio_codec else None
        for index in range(seconds * fps):
            frame = scene.copy()
            x, r = index * width // (seconds * fps), max(2, height // 8)
            ImageDraw.Draw(frame).ellipse([x - r, r, x + r, 3 * r], fill=(255, 220, 90))
            output.mux(video.encode(av.VideoFrame.from_image(frame)))
        output.mux(video.encode())
        if audio is not None:
            samples = audio.codec_context.frame_size or 1024
            for start in range(0, seconds * 48000, samples):
                tone = av.AudioFrame(format=audio.codec_context.format.name, layout="mono", samples=samples)
                tone.planes[0].update(bytes(tone.planes[0].buffer_size))  # silence
                tone.sample_rate, tone.pts = 48000, start
                output.mux(audio.encode(tone))
            output.mux(audio.encode())
