"""Avatar processing: checked like every upload, then squared, resized and re-encoded."""

import io

from django.core.files.base import ContentFile
from PIL import Image, ImageOps

AVATAR_SIZE = 256


def process_avatar(upload):
    """Return a ContentFile with a 256x256 JPEG: EXIF orientation applied, metadata dropped."""
    upload.seek(0)
    with Image.open(upload) as image:
        image = ImageOps.exif_transpose(image)
        image = image.convert("RGB")
        image = ImageOps.fit(image, (AVATAR_SIZE, AVATAR_SIZE), method=Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=85, optimize=True)
    return ContentFile(buffer.getvalue(), name="avatar.jpg")
