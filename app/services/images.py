"""Uploaded pictures and document files: checked by their bytes, never by their name.

Pictures (product photos, store logos) must be JPEG, PNG or WebP, at most MAX_IMAGE_MB,
at most MAX_IMAGE_PIXELS pixels (a decompression bomb is refused before decoding), and
are decoded and re-encoded to WebP, which drops EXIF and every other piece of metadata.
A file whose bytes disagree with its declared type or extension is refused.
Document files are PDF (``%PDF-`` magic) or such a picture.
"""
from __future__ import annotations

import io
import os
import secrets
import warnings
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from app.services import Invalid
from app.storage import get_storage

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {
    ".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP",
}
LARGE = 1600
THUMB = 400
DEFAULT_MAX_PIXELS = 40_000_000


@dataclass
class Upload:
    """What a route hands to a service: the bytes and what the browser claimed."""

    data: bytes
    filename: str = ""
    content_type: str = ""

    @classmethod
    def from_file_storage(cls, storage):
        if storage is None or not getattr(storage, "filename", ""):
            return None
        return cls(storage.read(), storage.filename or "", storage.mimetype or "")


@dataclass
class ProcessedImage:
    large: bytes
    thumb: bytes
    width: int
    height: int


def max_image_bytes():
    return int(current_app.config.get("MAX_IMAGE_MB", 5)) * 1024 * 1024


def max_document_bytes():
    return int(current_app.config.get("MAX_DOCUMENT_MB", 8)) * 1024 * 1024


def _ext(filename):
    return os.path.splitext(filename or "")[1].lower()


def sniff_image_format(data: bytes):
    """The format the bytes say, from their magic numbers (None: not one we take)."""
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def check_image(upload: Upload) -> str:
    """Refuse what is not an honest JPEG/PNG/WebP of acceptable size; returns the format."""
    if upload is None or not upload.data:
        raise Invalid(_("The file is empty."))
    if len(upload.data) > max_image_bytes():
        raise Invalid(_("The picture is larger than %(mb)s MB.", mb=current_app.config.get("MAX_IMAGE_MB", 5)))
    fmt = sniff_image_format(upload.data)
    if fmt is None:
        raise Invalid(_("Only JPEG, PNG or WebP pictures are accepted."))
    ext = _ext(upload.filename)
    if ext and EXTENSIONS.get(ext) != fmt:
        raise Invalid(_("The file's name says %(ext)s but its content is %(fmt)s. Save it again as JPEG, PNG or WebP.",
                        ext=ext, fmt=fmt))
    declared = (upload.content_type or "").split(";")[0].strip().lower()
    if declared and declared not in ("application/octet-stream",) and declared != FORMATS[fmt]:
        raise Invalid(_("The file claims to be %(declared)s but its content is %(fmt)s.", declared=declared, fmt=fmt))
    return fmt


def _open_checked(data: bytes, fmt: str):
    max_pixels = int(current_app.config.get("MAX_IMAGE_PIXELS", DEFAULT_MAX_PIXELS))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data), formats=[fmt])
            width, height = probe.size
            if width * height > max_pixels:
                raise Invalid(_("The picture has too many pixels (at most %(mp)s megapixels).",
                                mp=max_pixels // 1_000_000))
            probe.verify()
            # verify() leaves the image unusable: open again to decode.
            image = Image.open(io.BytesIO(data), formats=[fmt])
            image.load()
    except Invalid:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:
        raise Invalid(_("The picture is damaged or could not be read.")) from exc
    return image


def process_image(upload: Upload) -> ProcessedImage:
    """Check, decode and re-encode to WebP: a large version and a square thumbnail."""
    fmt = check_image(upload)
    image = _open_checked(upload.data, fmt)
    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() or image.mode == "P" else "RGB")
    large = image.copy()
    large.thumbnail((LARGE, LARGE), Image.LANCZOS)
    thumb = ImageOps.fit(image, (THUMB, THUMB), Image.LANCZOS)
    return ProcessedImage(_webp(large), _webp(thumb), large.width, large.height)


def _webp(image) -> bytes:
    out = io.BytesIO()
    image.save(out, "WEBP", quality=82, method=4)  # no exif= / icc_profile=: metadata dropped
    return out.getvalue()


def store_image(prefix: str, upload: Upload) -> tuple[str, ProcessedImage]:
    """Process and save under ``<prefix>/<random>/{large,thumb}.webp``; returns the key
    (without the variant) and the processed image."""
    processed = process_image(upload)
    key = f"{prefix}/{secrets.token_hex(8)}"
    storage = get_storage()
    storage.save(f"{key}/large.webp", processed.large)
    storage.save(f"{key}/thumb.webp", processed.thumb)
    return key, processed


def delete_image(key: str):
    storage = get_storage()
    for variant in ("large.webp", "thumb.webp"):
        storage.delete(f"{key}/{variant}")


# ---------------------------------------------------------------- document files

def check_document_file(upload: Upload) -> tuple[str, str]:
    """A PDF or an honest picture; returns (extension, mime type)."""
    if upload is None or not upload.data:
        raise Invalid(_("The file is empty."))
    if len(upload.data) > max_document_bytes():
        raise Invalid(_("The file is larger than %(mb)s MB.", mb=current_app.config.get("MAX_DOCUMENT_MB", 8)))
    if upload.data[:5] == b"%PDF-":
        if _ext(upload.filename) not in ("", ".pdf"):
            raise Invalid(_("The file's name does not match its content (a PDF)."))
        if b"%%EOF" not in upload.data[-2048:]:
            raise Invalid(_("The PDF is damaged or incomplete."))
        return ".pdf", "application/pdf"
    if _ext(upload.filename) == ".pdf":
        raise Invalid(_("The file is named .pdf but is not a PDF."))
    fmt = sniff_image_format(upload.data)
    if fmt is None:
        raise Invalid(_("Upload the document as a PDF or a JPEG, PNG or WebP picture."))
    check_image(upload)
    _open_checked(upload.data, fmt)
    return {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}[fmt], FORMATS[fmt]


def store_document_file(store_id: int, upload: Upload) -> tuple[str, str]:
    """Save a checked document file privately; returns (key, mime type)."""
    ext, mime = check_document_file(upload)
    key = f"private/documents/{store_id}/{secrets.token_hex(12)}{ext}"
    get_storage().save(key, upload.data)
    return key, mime
