"""Uploaded product images: checked from their header before anything is decoded, then re-encoded clean.

The rules (settings.MAX_IMAGE_BYTES, settings.MAX_IMAGE_PIXELS, JPEG/PNG/WebP judged by what Pillow decodes,
never by the file name) live here and nowhere else:

* ``image_check(file)`` reads the size and the header only; the model fields run it as a validator, so
  ``full_clean()`` refuses a bad upload whichever form or service it came through.
* ``image_sanitise(file)`` is what the admin stores: the image turned upright by its EXIF orientation, then
  re-encoded in its own format without EXIF, XMP or comments (phone photos carry GPS positions), named by the
  decoded format (a PNG called ``.jpg`` is stored as ``.png``) with a random token, so that a URL never
  changes content and can be cached for a year.
"""

import secrets
import warnings
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

# Pillow's format name -> (stored format, file extension, content type). MPO is how Pillow names the
# multi-picture JPEGs many phones write; it is stored as a plain JPEG.
FORMATS = {
    "JPEG": ("JPEG", "jpg", "image/jpeg"),
    "MPO": ("JPEG", "jpg", "image/jpeg"),
    "PNG": ("PNG", "png", "image/png"),
    "WEBP": ("WEBP", "webp", "image/webp"),
}
# Only these parsers ever see an upload (the JPEG parser also recognises MPO).
OPENERS = ["JPEG", "PNG", "WEBP"]
ACCEPT = "image/jpeg,image/png,image/webp"

MESSAGES = {
    "too_large": _("Ảnh nặng %(size)s, vượt giới hạn %(limit)s. Hãy giảm dung lượng ảnh rồi tải lên lại."),
    "too_many_pixels": _(
        "Ảnh có quá nhiều điểm ảnh (tối đa %(limit)s megapixel, chẳng hạn 8000 × 5000). "
        "Hãy thu nhỏ ảnh rồi tải lên lại."
    ),
    "bad_format": _(
        "Chỉ nhận ảnh JPEG, PNG hoặc WebP. Tệp “%(name)s” không phải một trong các định dạng này hoặc đã bị hỏng."
    ),
}


def _refuse(code: str, **params) -> ValidationError:
    return ValidationError(MESSAGES[code], code=code, params=params)


@dataclass(frozen=True)
class ImageHeader:
    format: str  # Pillow's name of the decoded format: JPEG, MPO, PNG or WEBP
    width: int
    height: int


def _limits() -> tuple[int, int]:
    return settings.MAX_IMAGE_BYTES, settings.MAX_IMAGE_PIXELS


def _open(file, name: str) -> Image.Image:
    """Pillow's lazy open (header only), with its decompression-bomb warning raised as an error."""
    _, max_pixels = _limits()
    file.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(file, formats=OPENERS)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise _refuse("too_many_pixels", limit=number_format(max_pixels / 1_000_000, 0)) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise _refuse("bad_format", name=name) from exc
    if image.format not in FORMATS:
        raise _refuse("bad_format", name=name)
    width, height = image.size
    if width * height > max_pixels:
        raise _refuse("too_many_pixels", limit=number_format(max_pixels / 1_000_000, 0))
    return image


def image_check(file) -> ImageHeader:
    """Refuse ``file`` (an uploaded or any Django File) unless it is a JPEG, PNG or WebP within the limits.

    Reads the byte size and the image header only: nothing is decoded.
    """
    max_bytes, _ = _limits()
    name = PurePosixPath(getattr(file, "name", "") or "").name
    if file.size > max_bytes:
        raise _refuse("too_large", size=filesizeformat(file.size), limit=filesizeformat(max_bytes))
    image = _open(file, name)
    header = ImageHeader(image.format, *image.size)
    file.seek(0)  # (no image.close(): that would close the caller's file)
    return header


def image_sanitise(file) -> SimpleUploadedFile:
    """``file`` checked (``image_check``), turned upright, re-encoded without metadata, named by its format."""
    header = image_check(file)
    name = PurePosixPath(getattr(file, "name", "") or "").name
    stored_format, extension, content_type = FORMATS[header.format]
    image = _open(file, name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
            data = _encode(ImageOps.exif_transpose(image), stored_format)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning) as exc:
        raise _refuse("bad_format", name=name) from exc
    stem = get_valid_filename(PurePosixPath(name).stem)[:60].strip("._-") or "anh"
    return SimpleUploadedFile(f"{stem}-{secrets.token_hex(4)}.{extension}", data, content_type=content_type)


def _encode(image: Image.Image, stored_format: str) -> bytes:
    """The pixels only: the colour profile and PNG transparency are kept, every other metadata block dropped."""
    icc_profile = image.info.get("icc_profile")
    transparency = image.info.get("transparency")
    image.info = {}  # Pillow would otherwise copy comments, XMP or EXIF from here into the new file
    options = {"icc_profile": icc_profile} if icc_profile else {}
    if stored_format == "JPEG":
        if image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        options.update(quality=90, optimize=True)
    elif stored_format == "PNG":
        if transparency is not None:
            options["transparency"] = transparency
        options["optimize"] = image.width * image.height <= 4_000_000  # optimising a huge PNG costs seconds
    else:
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if image.has_transparency_data else "RGB")
        options.update(quality=90)
    buffer = BytesIO()
    image.save(buffer, format=stored_format, **options)
    return buffer.getvalue()


def validate_image_upload(value) -> None:
    """Model-field validator: a newly assigned file must pass ``image_check``; stored files are not reopened."""
    if not value or getattr(value, "_committed", True):
        return
    image_check(value.file)
