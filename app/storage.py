"""Where uploaded files live, behind one interface.

Keys are relative paths such as ``public/products/12/ab12cd/thumb.webp`` or
``private/documents/3/ef45.pdf``. Files under ``public/`` are served to anyone at
``/media/<key>``; files under ``private/`` only through views that check permission.
The default backend is a folder (UPLOAD_FOLDER). With ``STORAGE_BACKEND=s3`` files go to an
S3-compatible bucket (AWS S3, MinIO, Ceph, Wasabi…) instead, so every web process on every
machine sees the same files:

  STORAGE_BACKEND=s3
  S3_BUCKET=pasar-uploads            (required)
  S3_ENDPOINT_URL=https://…          (omit for AWS itself)
  S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY   (omit to use the machine's role or ~/.aws)
  S3_REGION=ap-southeast-3           (optional)
  S3_PREFIX=pasar/                   (optional: a folder inside a shared bucket)

The bucket stays private: public files are still served by the app at /media/<key>.
"""
import os
import posixpath

from flask import current_app, url_for
from werkzeug.utils import safe_join


class StorageError(Exception):
    pass


def _check_key(key):
    norm = posixpath.normpath(key)
    if key != norm or norm.startswith(("/", "..")) or not norm.startswith(("public/", "private/")):
        raise StorageError(f"bad storage key {key!r}")
    return norm


class LocalStorage:
    def __init__(self, root):
        self.root = root

    def _path(self, key):
        path = safe_join(self.root, _check_key(key))
        if path is None:
            raise StorageError(f"bad storage key {key!r}")
        return path

    def save(self, key, data: bytes):
        path = self._path(key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = path + ".part"
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)  # readers never see half a file

    def read(self, key) -> bytes:
        try:
            with open(self._path(key), "rb") as fh:
                return fh.read()
        except FileNotFoundError as exc:
            raise StorageError(f"missing {key!r}") from exc

    def exists(self, key) -> bool:
        return os.path.exists(self._path(key))

    def delete(self, key):
        try:
            os.remove(self._path(key))
        except FileNotFoundError:
            pass


class S3Storage:
    """The same four methods on an S3-compatible bucket. ``client`` is a boto3 S3 client
    (or anything with put_object/get_object/head_object/delete_object)."""

    def __init__(self, client, bucket, prefix=""):
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def _key(self, key):
        return self.prefix + _check_key(key)

    @staticmethod
    def _missing(error):
        code = str(getattr(error, "response", {}).get("Error", {}).get("Code", ""))
        return code in {"NoSuchKey", "404", "NotFound"}

    def save(self, key, data: bytes):
        # One PUT: readers see the old object or the new one, never half of it.
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def read(self, key) -> bytes:
        from botocore.exceptions import ClientError

        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if self._missing(exc):
                raise StorageError(f"missing {key!r}") from exc
            raise
        body = response["Body"]
        try:
            return body.read()
        finally:
            close = getattr(body, "close", None)
            if close:
                close()

    def exists(self, key) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if self._missing(exc):
                return False
            raise
        return True

    def delete(self, key):
        # S3 answers success for a missing key too, as LocalStorage.delete does.
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))


def make_s3_client():
    import boto3
    from botocore.config import Config

    config = current_app.config
    return boto3.client(
        "s3",
        endpoint_url=config.get("S3_ENDPOINT_URL"),
        aws_access_key_id=config.get("S3_ACCESS_KEY_ID"),
        aws_secret_access_key=config.get("S3_SECRET_ACCESS_KEY"),
        region_name=config.get("S3_REGION"),
        config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=30),
    )


def build_storage():
    """The backend the settings ask for: STORAGE_BACKEND=local (default) or s3."""
    config = current_app.config
    backend = (config.get("STORAGE_BACKEND") or "local").lower()
    if backend == "local":
        return LocalStorage(config["UPLOAD_FOLDER"])
    if backend == "s3":
        bucket = config.get("S3_BUCKET")
        if not bucket:
            raise StorageError("STORAGE_BACKEND=s3 needs S3_BUCKET")
        client = config.get("S3_CLIENT") or make_s3_client()  # S3_CLIENT: tests
        return S3Storage(client, bucket, prefix=config.get("S3_PREFIX") or "")
    raise StorageError(f"unknown STORAGE_BACKEND {backend!r}: use local or s3")


def get_storage():
    ext = current_app.extensions
    if "storage" not in ext:
        ext["storage"] = build_storage()
    return ext["storage"]


def media_url(key):
    """URL of a public file; None for a missing key."""
    if not key:
        return None
    return url_for("main.media", key=key)
