"""Where uploaded files live, behind one interface.

Keys are relative paths such as ``public/products/12/ab12cd/thumb.webp`` or
``private/documents/3/ef45.pdf``. Files under ``public/`` are served to anyone at
``/media/<key>``; files under ``private/`` only through views that check permission.
The default backend is a folder (UPLOAD_FOLDER); another backend (object storage)
implements the same four methods.
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


def get_storage():
    ext = current_app.extensions
    if "storage" not in ext:
        ext["storage"] = LocalStorage(current_app.config["UPLOAD_FOLDER"])
    return ext["storage"]


def media_url(key):
    """URL of a public file; None for a missing key."""
    if not key:
        return None
    return url_for("main.media", key=key)
