"""Uploaded pictures and document files: checked by their bytes, never by their name.

Pictures (product photos, store logos) must be JPEG, PNG or WebP, at most MAX_IMAGE_MB,
at most MAX_IMAGE_PIXELS pixels, and within IMAGE_DECODE_BUDGET_MB of decoded memory
(both checked from the header, before decoding: a small file can hold a huge picture), and
are decoded and re-encoded to WebP, which drops EXIF and every other piece of metadata.
A file whose bytes disagree with its declared type or extension is refused.
Document files are PDF (``%PDF-`` magic) or such a picture.
"""
from __future__ import annotations

import io
import math
import os
import secrets
import warnings
from dataclasses import dataclass

from flask import current_app
from flask_babel import format_decimal
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
# Bytes Pillow keeps per pixel, by mode; every other mode (RGB too: it is padded) takes four.
STORED_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "I;16N": 2}
# Bytes per pixel a decoder holds beside the picture: libwebp keeps its canvas and the previous
# frame (four bytes each), and Pillow copies the frame out of it as bytes before its own copy.
DECODER_BYTES = {"WEBP": 12}


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


def decode_budget_bytes():
    return int(current_app.config["IMAGE_DECODE_BUDGET_MB"]) * 1024 * 1024


def _working_mode(image) -> str:
    """What a photo is converted to before resampling and WebP."""
    return "RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB"


def photo_bytes_per_pixel(image) -> int:
    """Memory process_image holds per decoded pixel at its busiest moment: while decoding, the
    picture and the decoder's buffers; while converting, the decoded picture beside its RGB(A)
    copy; while resampling RGBA, Pillow's premultiplied copy beside the picture. Left out:
    the versions made and resizing's first pass (1600 wide, as tall as the picture), which
    bench/upload_memory measures with the rest."""
    stored = STORED_BYTES.get(image.mode, 4)
    target = _working_mode(image)
    decoding = stored + DECODER_BYTES.get(image.format, 0)
    converting = stored + (4 if image.mode != target else 0)
    resampling = 8 if target == "RGBA" else 4
    return max(decoding, converting, resampling)


def document_bytes_per_pixel(image) -> int:
    """A document picture is only decoded to prove it is whole, never converted."""
    return STORED_BYTES.get(image.mode, 4) + DECODER_BYTES.get(image.format, 0)


def _photo_draft_size(size):
    """The smallest size that still gives the large version its 1600 pixels on the long side
    and the thumbnail its 400 on the short side: JPEG can decode at 1/2, 1/4 or 1/8 of the
    full size, and the decoded picture is what costs memory."""
    width, height = size
    scale = min(1.0, max(LARGE / max(width, height), THUMB / min(width, height)))
    return max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))


def _document_draft_size(size):
    """Any scale proves a JPEG is whole (every byte is still read): the smallest costs least."""
    return 1, 1


def _open_checked(data: bytes, fmt: str, bytes_per_pixel, draft_size):
    """Open, check the header against the pixel cap and the decode budget, then decode (a
    JPEG at the smallest scale ``draft_size`` allows). Nothing is decoded before the checks."""
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
            if fmt == "JPEG":
                image.draft(None, draft_size(image.size))
            _check_decode_budget(image, bytes_per_pixel(image), (width, height))
            image.load()
    except Invalid:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:
        raise Invalid(_("The picture is damaged or could not be read.")) from exc
    return image


def _check_decode_budget(image, bytes_per_pixel, original_size):
    """Refuse, before decoding, a picture whose decoded pixels would not fit the budget."""
    budget = decode_budget_bytes()
    if image.width * image.height * bytes_per_pixel <= budget:
        return
    image.close()
    # A picture of this many megapixels always fits: a JPEG's draft only makes it smaller.
    megapixels = math.floor(budget / bytes_per_pixel / 100_000) / 10
    raise Invalid(_("This picture is too large to process (%(width)s × %(height)s pixels). "
                    "Upload one of at most %(mp)s megapixels.",
                    width=original_size[0], height=original_size[1], mp=format_decimal(megapixels)))


def _decode_photo(data: bytes, fmt: str):
    """The photo decoded in RGB or RGBA, no larger than its two versions need (JPEG)."""
    image = _open_checked(data, fmt, photo_bytes_per_pixel, _photo_draft_size)
    target = _working_mode(image)
    if image.mode != target:
        converted = image.convert(target)
        image.close()  # release the decoded pixels now, not when the request ends
        image = converted
    return image


def process_image(upload: Upload) -> ProcessedImage:
    """Check, decode within the budget and re-encode to WebP: a large version and a square
    thumbnail. The full-size picture is closed before this returns, so a request with several
    photos holds one decoded picture at a time."""
    fmt = check_image(upload)
    image = _decode_photo(upload.data, fmt)
    try:
        side = min(image.size)
        left, top = (image.width - side) / 2, (image.height - side) / 2
        # reducing_gap: box-reduce first, then Lanczos on what is left (fast, same look).
        thumb = image.resize((THUMB, THUMB), Image.Resampling.LANCZOS, box=(left, top, left + side, top + side),
                             reducing_gap=2.0)
        image.thumbnail((LARGE, LARGE), Image.Resampling.LANCZOS)
        # Turned upright only now that they are small: exif_transpose copies the picture.
        large = ImageOps.exif_transpose(image)
        thumb = ImageOps.exif_transpose(thumb)
    finally:
        image.close()
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
    _open_checked(upload.data, fmt, document_bytes_per_pixel, _document_draft_size).close()
    return {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}[fmt], FORMATS[fmt]


def store_document_file(store_id: int, upload: Upload) -> tuple[str, str]:
    """Save a checked document file privately; returns (key, mime type)."""
    ext, mime = check_document_file(upload)
    key = f"private/documents/{store_id}/{secrets.token_hex(12)}{ext}"
    get_storage().save(key, upload.data)
    return key, mime
