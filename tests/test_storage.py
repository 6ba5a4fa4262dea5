"""Uploads behind one interface: a local folder by default, an S3-compatible bucket when set."""
import io

import pytest
from botocore.exceptions import ClientError

from app.storage import LocalStorage, S3Storage, StorageError, build_storage, get_storage
from tests.conftest import empty_tables, make_app


class FakeS3:
    """Answers like boto3's S3 client does, from a dict; records every call."""

    def __init__(self):
        self.objects = {}
        self.calls = []

    @staticmethod
    def _error(code, op):
        return ClientError({"Error": {"Code": code, "Message": code}}, op)

    def put_object(self, Bucket, Key, Body):  # noqa: N803 - boto3's names
        self.calls.append(("put", Bucket, Key))
        self.objects[(Bucket, Key)] = bytes(Body)
        return {"ETag": '"x"'}

    def get_object(self, Bucket, Key):  # noqa: N803 - boto3's names
        self.calls.append(("get", Bucket, Key))
        if (Bucket, Key) not in self.objects:
            raise self._error("NoSuchKey", "GetObject")
        return {"Body": io.BytesIO(self.objects[(Bucket, Key)])}

    def head_object(self, Bucket, Key):  # noqa: N803 - boto3's names
        self.calls.append(("head", Bucket, Key))
        if (Bucket, Key) not in self.objects:
            raise self._error("404", "HeadObject")  # HEAD has no body, so S3 says just "404"
        return {"ContentLength": len(self.objects[(Bucket, Key)])}

    def delete_object(self, Bucket, Key):  # noqa: N803 - boto3's names
        self.calls.append(("delete", Bucket, Key))
        self.objects.pop((Bucket, Key), None)
        return {}


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path):
    if request.param == "local":
        return LocalStorage(str(tmp_path / "uploads"))
    return S3Storage(FakeS3(), "pasar-uploads", prefix="prod")


def test_both_backends_save_read_exist_and_delete(storage):
    key = "public/products/12/ab12/thumb.webp"
    assert storage.exists(key) is False
    storage.save(key, b"RIFF-image")
    assert storage.exists(key) is True
    assert storage.read(key) == b"RIFF-image"
    storage.save(key, b"RIFF-image-2")
    assert storage.read(key) == b"RIFF-image-2"
    storage.delete(key)
    assert storage.exists(key) is False
    with pytest.raises(StorageError):
        storage.read(key)
    storage.delete(key)  # deleting a missing file is not an error


@pytest.mark.parametrize("key", ["../etc/passwd", "/public/x", "public/../private/x", "other/x", "public//x"])
def test_both_backends_refuse_keys_outside_public_and_private(storage, key):
    with pytest.raises(StorageError):
        storage.save(key, b"x")
    with pytest.raises(StorageError):
        storage.read(key)


def test_s3_keys_carry_the_prefix_and_the_bucket():
    client = FakeS3()
    S3Storage(client, "pasar-uploads", prefix="/prod/").save("private/documents/3/ef45.pdf", b"%PDF")
    assert client.calls == [("put", "pasar-uploads", "prod/private/documents/3/ef45.pdf")]
    client = FakeS3()
    S3Storage(client, "b").save("public/a.png", b"x")
    assert client.calls == [("put", "b", "public/a.png")]


def test_s3_errors_other_than_missing_are_not_hidden():
    class Denied(FakeS3):
        def get_object(self, Bucket, Key):  # noqa: N803 - boto3's names
            raise self._error("AccessDenied", "GetObject")

        def head_object(self, Bucket, Key):  # noqa: N803 - boto3's names
            raise self._error("403", "HeadObject")

    storage = S3Storage(Denied(), "b")
    with pytest.raises(ClientError):
        storage.read("public/a.png")
    with pytest.raises(ClientError):
        storage.exists("public/a.png")


@pytest.fixture
def s3_app(tmp_path, pg_schema):
    client = FakeS3()
    app = make_app(tmp_path, pg_schema, STORAGE_BACKEND="s3", S3_BUCKET="pasar-uploads", S3_CLIENT=client)
    app.fake_s3 = client
    yield app
    if pg_schema is not None:
        empty_tables(app)


def test_local_storage_is_the_default(app_ctx):
    assert isinstance(get_storage(), LocalStorage)


def test_s3_backend_is_chosen_by_the_settings_and_serves_public_media(s3_app):
    with s3_app.app_context():
        storage = get_storage()
        assert isinstance(storage, S3Storage)
        storage.save("public/stores/1/logo.png", b"\x89PNG-logo")
        storage.save("private/documents/1/nib.pdf", b"%PDF-secret")
    client = s3_app.test_client()
    response = client.get("/media/public/stores/1/logo.png")
    assert response.status_code == 200 and response.data == b"\x89PNG-logo"
    assert response.mimetype == "image/png"
    assert client.get("/media/public/stores/1/missing.png").status_code == 404
    assert client.get("/media/private/documents/1/nib.pdf").status_code == 404
    assert ("put", "pasar-uploads", "public/stores/1/logo.png") in s3_app.fake_s3.calls


def test_s3_backend_builds_a_real_boto3_client_from_the_settings(tmp_path, pg_schema):
    app = make_app(tmp_path, pg_schema, STORAGE_BACKEND="s3", S3_BUCKET="pasar-uploads",
                   S3_ENDPOINT_URL="http://127.0.0.1:9", S3_ACCESS_KEY_ID="AKIATEST",
                   S3_SECRET_ACCESS_KEY="secret-test", S3_REGION="ap-southeast-3")
    with app.app_context():
        storage = build_storage()  # no request is sent: the client is only built
        assert storage.bucket == "pasar-uploads"
        assert storage.client.meta.endpoint_url == "http://127.0.0.1:9"
        assert storage.client.meta.region_name == "ap-southeast-3"
    if pg_schema is not None:
        empty_tables(app)


def test_s3_backend_without_a_bucket_or_an_unknown_backend_is_refused(tmp_path, pg_schema, monkeypatch):
    monkeypatch.delenv("S3_BUCKET", raising=False)
    app = make_app(tmp_path, pg_schema, STORAGE_BACKEND="s3")
    with app.app_context(), pytest.raises(StorageError, match="S3_BUCKET"):
        build_storage()
    app.config["STORAGE_BACKEND"] = "ftp"
    with app.app_context(), pytest.raises(StorageError, match="unknown STORAGE_BACKEND"):
        build_storage()
    if pg_schema is not None:
        empty_tables(app)
