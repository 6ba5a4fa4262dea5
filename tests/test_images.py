"""Picture and document-file checks: honest JPEG/PNG/WebP only, re-encoded without metadata."""
import io

import pytest
from PIL import Image

from app.services import Invalid
from app.services.images import Upload, _decode_photo, check_document_file, process_image, store_image
from app.storage import get_storage
from tests.listing_utils import decompression_bomb_png, jpeg_bytes, pdf_bytes, png_bytes, webp_bytes


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


def test_exif_orientation_is_applied(app_ctx):
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was held upright, rotate 90°
    processed = process_image(Upload(jpeg_bytes(size=(80, 60), exif=exif.tobytes()), "tegak.jpg", "image/jpeg"))
    assert (processed.width, processed.height) == (60, 80)


# ---------------------------------------------------------------- the decode budget

def test_the_6300_pixel_rgba_png_is_refused_before_decoding(app_ctx):
    data = decompression_bomb_png()
    assert len(data) < 200_000  # small on disk: the file-size limit does not stop it
    with pytest.raises(Invalid) as info:
        process_image(Upload(data, "bom.png", "image/png"))
    assert info.value.message == ("This picture is too large to process (6300 × 6300 pixels). "
                                  "Upload one of at most 8.3 megapixels.")
    with pytest.raises(Invalid) as info:
        check_document_file(Upload(data, "scan.png", "image/png"))
    assert "too large to process" in info.value.message



def test_the_refusal_reads_in_indonesian(app):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("id"), pytest.raises(Invalid) as info:
        process_image(Upload(decompression_bomb_png(), "bom.png", "image/png"))
    assert info.value.message == ("Gambar ini terlalu besar untuk diproses (6300 × 6300 piksel). "
                                  "Unggah gambar berukuran paling besar 8,3 megapiksel.")


MB = 1024 * 1024


@pytest.mark.parametrize("mode,extra,bytes_per_pixel", [
    ("RGB", {}, 4),                       # stored padded to four bytes
    ("RGBA", {}, 8),                      # plus the premultiplied copy made to resize it
    ("P", {}, 5),                         # the palette picture beside its RGB copy
    ("L", {}, 5),
    ("P", {"transparency": 0}, 8),        # becomes RGBA
], ids=["rgb", "rgba", "palette", "gray", "palette-transparent"])
def test_the_budget_counts_what_decoding_and_resizing_hold(app_ctx, mode, extra, bytes_per_pixel):
    app_ctx.config["IMAGE_DECODE_BUDGET_MB"] = 1
    width = 512
    height = MB // bytes_per_pixel // width  # the tallest picture that fits

    def png(h):
        out = io.BytesIO()
        Image.new(mode, (width, h)).save(out, "PNG", **extra)
        return out.getvalue()

    processed = process_image(Upload(png(height), "pas.png", "image/png"))
    assert (processed.width, processed.height) == (width, height)
    with pytest.raises(Invalid) as info:
        process_image(Upload(png(height + 1), "lebih.png", "image/png"))
    assert f"too large to process ({width} × {height + 1} pixels)" in info.value.message


def test_webp_counts_the_decoders_buffers(app_ctx):
    app_ctx.config["IMAGE_DECODE_BUDGET_MB"] = 1
    assert process_image(Upload(webp_bytes(size=(256, 256)), "pas.webp", "image/webp")).width == 256  # 16 bytes a pixel
    with pytest.raises(Invalid) as info:
        process_image(Upload(webp_bytes(size=(256, 257)), "lebih.webp", "image/webp"))
    assert "too large to process" in info.value.message


def test_a_large_jpeg_is_decoded_at_reduced_scale(app_ctx):
    """3200 x 2400 is 30 MB decoded in full, 7.3 MB at half scale: within an 8 MB budget only
    because JPEG decodes at the scale the large version needs."""
    app_ctx.config["IMAGE_DECODE_BUDGET_MB"] = 8
    data = jpeg_bytes(size=(3200, 2400))
    image = _decode_photo(data, "JPEG")
    assert image.size == (1600, 1200)
    image.close()
    processed = process_image(Upload(data, "besar.jpg", "image/jpeg"))
    assert (processed.width, processed.height) == (1600, 1200)
    assert Image.open(io.BytesIO(processed.thumb)).size == (400, 400)
    # The same picture as a PNG has to be decoded in full, and that does not fit.
    with pytest.raises(Invalid) as info:
        process_image(Upload(png_bytes(size=(3200, 2400)), "besar.png", "image/png"))
    assert "(3200 × 2400 pixels)" in info.value.message and "at most 2 megapixels" in info.value.message


def test_a_document_picture_is_only_charged_its_decoded_pixels(app_ctx):
    """A document is checked, never resized: an RGBA scan over the photo budget is accepted."""
    app_ctx.config["IMAGE_DECODE_BUDGET_MB"] = 1
    scan = png_bytes(size=(512, 400), mode="RGBA", color=(0, 0, 0, 255))  # 0.8 MB decoded, 1.6 MB as a photo
    assert check_document_file(Upload(scan, "nib.png", "image/png"))[0] == ".png"
    with pytest.raises(Invalid):
        process_image(Upload(scan, "nib.png", "image/png"))


@pytest.mark.parametrize("data,name", [
    (jpeg_bytes(size=(800, 600))[:600], "potong.jpg"),
    (decompression_bomb_png()[:2000], "potong.png"),  # a huge header, then nothing
    (png_bytes(size=(800, 600))[:-30], "potong.png"),
    (webp_bytes(size=(300, 300))[:-40], "potong.webp"),
    (b"\xff\xd8\xff" + b"sampah" * 50, "sampah.jpg"),
], ids=["cut-jpeg", "cut-6300-png", "cut-png", "cut-webp", "garbage-jpeg"])
def test_truncated_and_garbage_pictures_get_a_clear_message(app_ctx, data, name):
    ctype = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}[name.rsplit(".", 1)[1]]
    with pytest.raises(Invalid) as info:
        process_image(Upload(data, name, ctype))
    assert info.value.message == "The picture is damaged or could not be read."
