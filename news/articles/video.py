"""An article's lead video: an uploaded MP4 checked with a real probe, or an embed from 腾讯视频 or 哔哩哔哩.

* :func:`probe` opens an upload with PyAV (FFmpeg's own MP4 demuxer and H.264 decoder, bundled in
  its wheels) and accepts only what every browser plays: an MP4 with H.264 video (8-bit 4:2:0)
  and AAC audio or none, within ``settings.VIDEO_MAX_BYTES`` (checked first, from the size the
  upload handler counted, so nothing of a huge file is read). It reads every packet, so a file cut
  short is refused, and decodes one frame, which becomes the poster when the reporter gives none
  (:func:`poster_from_frame`, cleaned like any picture).
* :func:`parse_embed` turns a page address of 腾讯视频 or 哔哩哔哩 (or their embed code) into an
  :class:`Embed`; :meth:`Embed.player_url` is built from its id and a fixed prefix, so no other
  address can ever become an ``<iframe>``. The CSP's ``frame-src`` names the two player hosts.
"""

import io
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePosixPath
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from yzgz import images

# The hosts of the players our pages frame (the CSP's frame-src): nothing else.
PLAYER_HOSTS = ("https://v.qq.com", "https://player.bilibili.com")
VIDEO_DIR = "videos"
POSTER_DIR = "posters"
MAX_SIDE = 4096  # pixels; 4K and below
POSTER_AT = 1.0  # seconds in, or the middle of a shorter video
# H.264 profiles browsers decode: 8-bit 4:2:0 (High 10, 4:2:2 and 4:4:4 ones are refused).
PROFILES = {"Baseline", "Constrained Baseline", "Main", "Extended", "High", "Constrained High", "Progressive High"}
PIXEL_FORMATS = {"yuv420p", "yuvj420p"}
# Brands of a QuickTime movie (.mov renamed .mp4): refused, the MP4 ones are not listed.
QUICKTIME_BRANDS = {b"qt  "}
CODEC_NAMES = {
    "hevc": "H.265 (HEVC)",
    "vp8": "VP8",
    "vp9": "VP9",
    "av1": "AV1",
    "mpeg4": "MPEG-4 Part 2",
    "mpeg2video": "MPEG-2",
    "mjpeg": "Motion JPEG",
    "prores": "ProRes",
    "mp3": "MP3",
    "mp3float": "MP3",
    "ac3": "AC-3",
    "eac3": "E-AC-3",
    "opus": "Opus",
    "flac": "FLAC",
    "alac": "ALAC",
}


def _refuse(message, code, **params):
    raise ValidationError(message, code=code, params=params or None)


@dataclass
class VideoInfo:
    """What the probe read: the size to show (rotation applied), the duration and a frame."""

    width: int
    height: int
    duration: timedelta
    frame: object  # a PIL image, upright: the poster when none is given


def probe(file):
    """Check an uploaded video; returns a :class:`VideoInfo` or raises ValidationError saying why."""
    limit = settings.VIDEO_MAX_BYTES
    size = getattr(file, "size", None)
    if size is None:
        size = file.seek(0, io.SEEK_END)
    if size > limit:
        _refuse(
            _("The video is %(size)s; the limit is %(limit)s."),
            "too_large",
            size=filesizeformat(size),
            limit=filesizeformat(limit),
        )
    if not size:
        _refuse(_("The file is empty."), "empty")
    file.seek(0)
    head = file.read(12)
    file.seek(0)
    # An MP4 file starts with its "ftyp" box, whose brand says what it is.
    if len(head) < 12 or head[4:8] != b"ftyp":
        _refuse(_("The file is not an MP4 video. Upload an MP4 file (H.264 video, AAC sound)."), "not_mp4")
    if head[8:12] in QUICKTIME_BRANDS:
        _refuse(_("The file is a QuickTime movie (.mov), not an MP4. Export it as MP4 (H.264, AAC)."), "not_mp4")
    source = file.temporary_file_path() if hasattr(file, "temporary_file_path") else file
    try:
        return _read(source)
    finally:
        file.seek(0)


def _read(source):
    import av  # here: PyAV loads FFmpeg's libraries, which only the newsroom needs

    try:
        container = av.open(source, mode="r", format="mp4")
    except Exception as exc:  # FFmpeg reports a broken file in many ways
        raise ValidationError(
            _("The video cannot be read: the file is damaged or incomplete (the upload may have been cut short)."),
            code="damaged",
        ) from exc
    with container:
        video = _check_streams(container)
        _check_complete(container, [video, *container.streams.audio])
        duration = _duration(container, video)
        frame = _frame(container, video, duration)
        if frame.format.name not in PIXEL_FORMATS:  # 10-bit, 4:2:2 or 4:4:4, whatever the profile said
            _refuse_profile(video.codec_context.profile or frame.format.name)
        picture = _upright(frame)
    return VideoInfo(width=picture.width, height=picture.height, duration=duration, frame=picture)


def frame_of(file):
    """The poster frame of a stored video (already probed when it was uploaded), as a PIL image."""
    import av

    try:
        with av.open(file, mode="r", format="mp4") as container:
            video = container.streams.video[0]
            return _upright(_frame(container, video, _duration(container, video)))
    except (av.FFmpegError, IndexError) as exc:
        raise ValidationError(_("The video cannot be decoded: the file is damaged."), code="undecodable") from exc


def _upright(frame):
    """The frame as a picture, turned as players turn it (a phone held upright records sideways)."""
    picture = frame.to_image()
    rotation = getattr(frame, "rotation", 0) or 0
    return picture.rotate(rotation, expand=True) if rotation % 360 else picture


def _refuse_profile(profile):
    _refuse(
        _("H.264 %(profile)s does not play in most browsers. Export it with the High or Main profile."),
        "video_profile",
        profile=profile,
    )


def _codec_name(stream):
    name = stream.codec_context.name or "?"
    return CODEC_NAMES.get(name, name.upper())


def _check_streams(container):
    """The video stream, after checking every stream's codec."""
    videos = list(container.streams.video)
    if not videos:
        _refuse(_("The file has no video picture."), "no_video")
    video = videos[0]
    if video.codec_context.name != "h264":
        _refuse(
            _("The video is encoded as %(codec)s; only H.264 plays in every browser. Export it as MP4 (H.264, AAC)."),
            "video_codec",
            codec=_codec_name(video),
        )
    profile = video.codec_context.profile
    if profile and profile not in PROFILES:  # unknown until decoded in a damaged file: _read looks again
        _refuse_profile(profile)
    width, height = video.codec_context.width, video.codec_context.height
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        _refuse(
            _("The video is %(width)d×%(height)d pixels; at most %(limit)d pixels a side are accepted."),
            "dimensions",
            width=width,
            height=height,
            limit=MAX_SIDE,
        )
    for audio in container.streams.audio:
        if audio.codec_context.name != "aac":
            _refuse(
                _("The sound is encoded as %(codec)s; only AAC plays in every browser. Export it as MP4 (H.264, AAC)."),
                "audio_codec",
                codec=_codec_name(audio),
            )
    return video


def _check_complete(container, streams):
    """Every packet the index lists is in the file (a cut file's index may still be whole)."""
    counted = dict.fromkeys((stream.index for stream in streams), 0)
    try:
        for packet in container.demux(streams):
            if packet.size:
                counted[packet.stream.index] += 1
    except Exception as exc:
        raise ValidationError(_("The video is incomplete: the file was cut short."), code="truncated") from exc
    for stream in streams:
        if not counted[stream.index] or (stream.frames and counted[stream.index] < stream.frames):
            _refuse(_("The video is incomplete: the file was cut short."), "truncated")


def _duration(container, video):
    if video.duration and video.time_base:
        seconds = float(video.duration * video.time_base)
    else:
        seconds = (container.duration or 0) / 1_000_000
    if seconds <= 0:
        _refuse(_("The video has no length."), "no_duration")
    return timedelta(seconds=round(seconds, 3))


def _frame(container, video, duration):
    """A decoded frame about a second in (the middle of a shorter video)."""
    at = min(POSTER_AT, duration.total_seconds() / 2)
    try:
        container.seek(int(at / video.time_base), stream=video, backward=True)
        first = None
        for frame in container.decode(video):
            first = first or frame
            if frame.time is None or frame.time >= at:
                return frame
        if first is not None:
            return first
    except Exception as exc:
        raise ValidationError(_("The video cannot be decoded: the file is damaged."), code="undecodable") from exc
    _refuse(_("The video cannot be decoded: the file is damaged."), "undecodable")


def poster_from_frame(picture, name="poster"):
    """A poster (``ContentFile``) from a frame, cleaned and re-encoded like any uploaded picture."""
    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, "JPEG", quality=92)
    stem = PurePosixPath(name).stem[:60] or "poster"
    return images.clean_image(ContentFile(buffer.getvalue(), name=f"{stem}.jpg")).content


def poster_url(poster, width):
    """The URL of a poster: its largest JPEG rendition (at most 1200 px wide), or the file itself."""
    if not poster:
        return ""
    widths = images.rendition_widths(width)
    if not widths:
        return poster.url
    return poster.storage.url(images.rendition_name(poster.name, widths[-1], "jpg"))


def mp4_name(name):
    """The stored name of an upload: its own stem with ``.mp4`` (nginx then serves video/mp4)."""
    return (PurePosixPath(name or "video").stem[:80] or "video") + ".mp4"


# --- embeds ------------------------------------------------------------------------------
_QQ_ID = re.compile(r"[0-9A-Za-z]{5,20}")
_QQ_PAGE = re.compile(r"/x/(?:page|cover/[0-9A-Za-z]+)/(?P<vid>[0-9A-Za-z]{5,20})\.html")
_QQ_COVER = re.compile(r"/x/cover/[0-9A-Za-z]+\.html")
_QQ_PLAYER = {"/txp/iframe/player.html", "/iframe/player.html", "/x/m/play"}
_BV = re.compile(r"(?P<bvid>BV[0-9A-Za-z]{10})")
_BILI_PAGE = re.compile(r"/video/(?P<bvid>BV[0-9A-Za-z]{10})/?")
_IFRAME_SRC = re.compile(r"""<iframe\b[^>]*?\bsrc\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
QQ_HOSTS = {"v.qq.com", "m.v.qq.com"}
BILIBILI_HOSTS = {"www.bilibili.com", "bilibili.com", "m.bilibili.com", "player.bilibili.com"}
SHORT_HOSTS = {"b23.tv", "url.cn"}


@dataclass(frozen=True)
class Embed:
    """A video on 腾讯视频 (``platform == "qq"``) or 哔哩哔哩 (``"bilibili"``), by its id."""

    platform: str
    id: str
    part: int = 1

    @property
    def page_url(self):
        """The video's own page: what the form keeps and shows."""
        if self.platform == "qq":
            return f"https://v.qq.com/x/page/{self.id}.html"
        return f"https://www.bilibili.com/video/{self.id}" + (f"?p={self.part}" if self.part > 1 else "")

    @property
    def player_url(self):
        """The platform's official embed player for this video, not playing by itself."""
        if self.platform == "qq":
            return f"https://v.qq.com/txp/iframe/player.html?vid={self.id}&autoplay=false"
        return f"https://player.bilibili.com/player.html?bvid={self.id}&p={self.part}&autoplay=0"

    @property
    def platform_name(self):
        return _("Tencent Video") if self.platform == "qq" else _("Bilibili")


def _invalid(message=None):
    return ValidationError(
        message
        or _(
            "Only videos from Tencent Video (v.qq.com) or Bilibili (bilibili.com) can be embedded: paste the "
            "address of the video's page, such as https://v.qq.com/x/page/… .html or "
            "https://www.bilibili.com/video/BV… ."
        ),
        code="embed",
    )


def parse_embed(value):
    """The :class:`Embed` of a pasted address (or embed code); raises ValidationError for anything else."""
    value = (value or "").strip()
    if value.lower().startswith("<iframe"):
        found = _IFRAME_SRC.search(value)
        value = found.group(1).strip() if found else ""
    if value.startswith("//"):
        value = "https:" + value
    try:
        parts = urlsplit(value)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError as exc:
        raise _invalid() from exc
    if parts.scheme.lower() not in {"http", "https"} or parts.username or parts.password or port not in (None, 80, 443):
        raise _invalid()
    query = parse_qs(parts.query)
    if host in SHORT_HOSTS:
        raise _invalid(_("Short links cannot be embedded: open the link, then copy the address of the video's page."))
    if host in QQ_HOSTS:
        return _qq(parts.path, query)
    if host in BILIBILI_HOSTS:
        return _bilibili(host, parts.path, query)
    raise _invalid()


def _qq(path, query):
    vid = (query.get("vid") or [""])[0]
    if match := _QQ_PAGE.fullmatch(path):
        vid = match.group("vid")
    elif not (path in _QQ_PLAYER or _QQ_COVER.fullmatch(path)):
        raise _invalid()
    if not _QQ_ID.fullmatch(vid):
        raise _invalid(
            _("This Tencent Video address names no single video: open the episode you mean and copy its address.")
        )
    return Embed("qq", vid)


def _bilibili(host, path, query):
    if host == "player.bilibili.com":
        bvid = (query.get("bvid") or [""])[0] if path == "/player.html" else ""
    else:
        match = _BILI_PAGE.fullmatch(path)
        bvid = match.group("bvid") if match else ""
    if not _BV.fullmatch(bvid):
        raise _invalid(_("This Bilibili address names no video: copy the address of a page like /video/BV… ."))
    part = (query.get("p") or query.get("page") or ["1"])[0]
    return Embed("bilibili", bvid, int(part) if part.isdigit() and 0 < int(part) < 1000 else 1)


def embed_or_none(value):
    """The :class:`Embed` of a stored address, or None: pages frame nothing they cannot parse."""
    try:
        return parse_embed(value) if value else None
    except ValidationError:
        return None


def validate_embed(value):
    """Model field validator: only addresses :func:`parse_embed` accepts."""
    parse_embed(value)
