"""Small generated files for upload tests (pictures, PDFs) and shared helpers."""
import functools
import io

from PIL import Image


def png_bytes(size=(60, 40), color=(200, 30, 30), mode="RGB"):
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, "PNG")
    return out.getvalue()


@functools.cache
def decompression_bomb_png():
    """The picture of issue 14: 6300 x 6300 RGBA, about 170 KB as a PNG, 160 MB decoded."""
    return png_bytes(size=(6300, 6300), color=(200, 30, 30, 255), mode="RGBA")


def jpeg_bytes(size=(80, 60), color=(20, 120, 200), exif=None):
    out = io.BytesIO()
    image = Image.new("RGB", size, color)
    if exif is not None:
        image.save(out, "JPEG", exif=exif)
    else:
        image.save(out, "JPEG")
    return out.getvalue()


def webp_bytes(size=(50, 50)):
    out = io.BytesIO()
    Image.new("RGB", size, (10, 200, 10)).save(out, "WEBP")
    return out.getvalue()


def pdf_bytes(text="Sertifikat"):
    body = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")
    return body


def upload(data, name, content_type=None):
    """A (BytesIO, filename[, content_type]) tuple for the test client's data=."""
    if content_type:
        return (io.BytesIO(data), name, content_type)
    return (io.BytesIO(data), name)


def english(*users):
    """Make the users read the app in English, so tests can compare messages."""
    from app.extensions import db

    for user in users:
        user.locale = "en"
    db.session.commit()


def login(client, user):
    from tests.conftest import PASSWORD

    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def add_photo(product, key_suffix="a"):
    """Attach a (fake) stored photo row so the product may be submitted."""
    from app.extensions import db
    from app.models import ProductImage

    product.images.append(ProductImage(key=f"public/products/{product.id}/{key_suffix}", is_cover=not product.images,
                                       position=len(product.images), width=100, height=100))
    db.session.commit()
