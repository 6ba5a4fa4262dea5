"""Picture and document-file checks: honest JPEG/PNG/WebP only, re-encoded without metadata."""
import io

import pytest
from PIL import Image

from app.services import Invalid
from app.services.images import Upload, check_document_file, process_image, store_image
from app.storage import get_storage
from tests.listing_utils import jpeg_bytes, pdf_bytes, png_bytes, webp_bytes


@pytest.fixture
def app_ctx(app):
    """A request context in English, so the messages can be compared."""
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        yield app


@pytest.mark.parametrize("data,name,ctype", [
    (png_bytes(), "a.png", "image/png"),
    (jpeg_bytes(), "a.jpg", "image/jpeg"),
    (jpeg_bytes(), "a.JPEG", "image/jpeg"),
    (webp_bytes(), "a.webp", "image/webp"),
])
def test_accepted_formats_are_reencoded_to_webp(app_ctx, data, name, ctype):
    processed = process_image(Upload(data, name, ctype))
    assert processed.large[:4] == b"RIFF" and processed.large[8:12] == b"WEBP"
    thumb = Image.open(io.BytesIO(processed.thumb))
    assert thumb.size == (400, 400)


def test_large_picture_is_shrunk_to_1600(app_ctx):
    processed = process_image(Upload(jpeg_bytes(size=(3200, 1000)), "big.jpg", "image/jpeg"))
    assert (processed.width, processed.height) == (1600, 500)


def test_exif_metadata_is_stripped(app_ctx):
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {2: (1, 2, 3)}  # GPS
    data = jpeg_bytes(exif=exif.tobytes())
    assert b"SecretCam" in data
    processed = process_image(Upload(data, "gps.jpg", "image/jpeg"))
    assert b"SecretCam" not in processed.large and b"Exif" not in processed.large
    assert not Image.open(io.BytesIO(processed.large)).getexif()


@pytest.mark.parametrize("data,name,ctype,message", [
    (b"", "a.png", "image/png", "empty"),
    (pdf_bytes(), "photo.jpg", "image/jpeg", "Only JPEG, PNG or WebP"),
    (png_bytes(), "photo.jpg", "image/jpeg", "content is PNG"),
    (png_bytes(), "photo.png", "image/jpeg", "claims to be image/jpeg"),
    (b"GIF89a" + b"\x00" * 50, "a.gif", "image/gif", "Only JPEG, PNG or WebP"),
    (png_bytes()[:40], "cut.png", "image/png", "damaged"),
    (b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, "bad.png", "image/png", "damaged"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "x.png", "image/png", "Only JPEG, PNG or WebP"),
])
def test_refused_pictures(app_ctx, data, name, ctype, message):
    with pytest.raises(Invalid) as info:
        process_image(Upload(data, name, ctype))
    assert message in info.value.message


def test_oversized_picture_is_refused(app_ctx):
    app_ctx.config["MAX_IMAGE_MB"] = 1
    data = png_bytes() + b"\x00" * (1024 * 1024)
    with pytest.raises(Invalid) as info:
        process_image(Upload(data, "a.png", "image/png"))
    assert "larger than 1 MB" in info.value.message


def test_decompression_bomb_is_refused(app_ctx):
    app_ctx.config["MAX_IMAGE_PIXELS"] = 1_000_000
    data = png_bytes(size=(2000, 2000), mode="L", color=0)  # small file, 4 megapixels
    with pytest.raises(Invalid) as info:
        process_image(Upload(data, "bomb.png", "image/png"))
    assert "too many pixels" in info.value.message


def test_store_image_writes_both_variants(app_ctx):
    key, _processed = store_image("public/products/1", Upload(png_bytes(), "a.png", "image/png"))
    storage = get_storage()
    assert key.startswith("public/products/1/")
    assert storage.exists(f"{key}/large.webp") and storage.exists(f"{key}/thumb.webp")


def test_document_files(app_ctx):
    assert check_document_file(Upload(pdf_bytes(), "pirt.pdf", "application/pdf")) == (".pdf", "application/pdf")
    assert check_document_file(Upload(png_bytes(), "scan.png", "image/png"))[0] == ".png"
    for data, name, message in [
        (b"", "a.pdf", "empty"),
        (b"MZ\x90\x00 not a pdf", "a.pdf", "not a PDF"),
        (b"%PDF-1.4 truncated", "a.pdf", "damaged"),
        (pdf_bytes(), "a.jpg", "does not match"),
        (b"PK\x03\x04 zip", "a.docx", "PDF or a JPEG"),
    ]:
        with pytest.raises(Invalid) as info:
            check_document_file(Upload(data, name, ""))
        assert message in info.value.message
