"""``flask backup PATH`` and ``flask restore PATH``.

SQLite (the default install)
    ``flask backup /var/backups/pasar/pasar.tar.gz`` (or a directory: a dated file is made in
    it) writes one .tar.gz holding

    - ``db.sqlite3``: a consistent copy made with SQLite's online backup API while the app
      keeps running (what was committed when the copy finished; nothing half-written);
    - ``uploads/``: the upload folder (with ``STORAGE_BACKEND=s3`` the files stay in the
      bucket: back that up with the bucket's versioning or replication);
    - ``manifest.json``: time, alembic revision, rows per table, upload count, checksum.

    ``flask restore PATH`` checks the manifest and the checksum, refuses a database that has
    rows (or an upload folder with files) unless ``--force``, then replaces the database and
    the uploads and checks the row counts against the manifest. Stop the web processes and
    workers first; run ``flask db upgrade`` afterwards if the backup is of an older version.

PostgreSQL
    The commands print what to run instead (exit status 2), since pg_dump does this properly:

    pg_dump --format=custom --no-owner --no-acl --file=pasar.dump "postgresql://USER@HOST/DB"
    pg_restore --no-owner --no-acl --clean --if-exists --dbname="postgresql://USER@HOST/DB" pasar.dump
"""
import hashlib
import io
import json
import os
import posixpath
import shutil
import sqlite3
import tarfile
import tempfile

import click
from flask import current_app

from app import clock
from app.extensions import db

FORMAT = 1
DB_MEMBER = "db.sqlite3"
MANIFEST = "manifest.json"


class BackupError(click.ClickException):
    pass


# ------------------------------------------------------------------ helpers

def _sqlite_path():
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return url.database


def _app_tables():
    return [table.name for table in db.metadata.sorted_tables]


def _counts(conn):
    existing = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    counts = {}
    for name in _app_tables():
        if name in existing:
            # The table names come from our own metadata, never from input.
            query = f'SELECT count(*) FROM "{name}"'  # noqa: S608  # nosec B608 - names from our metadata
            counts[name] = conn.execute(query).fetchone()[0]
    return counts


def _revision(conn):
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


def _head_revision():
    from alembic.script import ScriptDirectory

    try:
        directory = current_app.extensions["migrate"].directory
        return ScriptDirectory(directory).get_current_head()
    except Exception:  # noqa: BLE001 - only used for a hint
        return None


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _local_upload_folder():
    from app.storage import LocalStorage, get_storage

    storage = get_storage()
    return storage.root if isinstance(storage, LocalStorage) else None


def _upload_files(root):
    for folder, _dirs, files in os.walk(root):
        for name in sorted(files):
            if name.endswith(".part"):
                continue  # a save in progress
            full = os.path.join(folder, name)
            yield full, os.path.relpath(full, root).replace(os.sep, "/")


def _print_postgres_commands(action):
    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=True)
    url = url.replace(":***@", "@")
    click.echo(f"The database is PostgreSQL: `flask {action}` does not copy it. Use pg_dump / pg_restore, "
               "which take a consistent snapshot while the app runs (password from PGPASSWORD or ~/.pgpass):\n")
    click.echo(f'  pg_dump --format=custom --no-owner --no-acl --file=pasar-$(date -u +%Y%m%dT%H%M%SZ).dump "{url}"')
    click.echo(f'  pg_restore --no-owner --no-acl --clean --if-exists --dbname="{url}" pasar-YYYYMMDDTHHMMSSZ.dump\n')
    folder = _local_upload_folder()
    if folder:
        click.echo(f"and the uploads:\n\n  tar -czf pasar-uploads.tar.gz -C {folder} .\n"
                   f"  tar -xzf pasar-uploads.tar.gz -C {folder}\n")
    else:
        click.echo("Uploads are in the S3 bucket: use the bucket's versioning or replication.\n")
    click.echo("Afterwards `flask db upgrade` brings an older dump up to this version.")


# ------------------------------------------------------------------ backup

def backup_sqlite(target):
    """Write the backup archive to ``target`` (a file path); returns the manifest."""
    source_path = _sqlite_path()
    work = tempfile.mkdtemp(prefix="pasar-backup-")
    try:
        copy_path = os.path.join(work, DB_MEMBER)
        source = sqlite3.connect(source_path, timeout=30)
        copy = sqlite3.connect(copy_path)
        try:
            source.backup(copy)  # online and consistent: retries while writers hold the lock
        finally:
            source.close()
        try:
            counts, revision = _counts(copy), _revision(copy)
        finally:
            copy.close()

        folder = _local_upload_folder()
        uploads = {"included": folder is not None, "files": 0, "bytes": 0}
        if folder is None:
            uploads["note"] = "uploads are in the S3 bucket and not part of this archive"
        manifest = {
            "format": FORMAT,
            "app": "pasar-kite-bise",
            "created_at": clock.now().isoformat(timespec="seconds"),
            "database": "sqlite",
            "alembic_revision": revision,
            "tables": counts,
            "uploads": uploads,
            "sha256": {DB_MEMBER: _sha256(copy_path)},
        }
        files = list(_upload_files(folder)) if folder and os.path.isdir(folder) else []
        uploads["files"] = len(files)
        uploads["bytes"] = sum(os.path.getsize(full) for full, _ in files)

        os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
        partial = target + ".part"
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(clock.now().timestamp()), 0o644
            tar.addfile(info, io.BytesIO(data))
            tar.add(copy_path, arcname=DB_MEMBER)
            for full, rel in files:
                tar.add(full, arcname=f"uploads/{rel}", recursive=False)
        os.chmod(partial, 0o600)  # the archive holds password hashes and private documents
        os.replace(partial, target)
        return manifest
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ------------------------------------------------------------------ restore

def _read_manifest(tar):
    try:
        member = tar.getmember(MANIFEST)
        manifest = json.load(tar.extractfile(member))
    except (KeyError, ValueError, AttributeError) as exc:
        raise BackupError("This is not a Pasar Kite Bise backup: manifest.json is missing or unreadable.") from exc
    if manifest.get("app") != "pasar-kite-bise" or manifest.get("format") != FORMAT:
        raise BackupError(f"Unsupported backup format {manifest.get('format')!r} (this version reads {FORMAT}).")
    if manifest.get("database") != "sqlite":
        raise BackupError("This backup is not of a SQLite database.")
    if not isinstance(manifest.get("tables"), dict):
        raise BackupError("The manifest has no table counts.")
    return manifest


def _upload_members(tar):
    members = []
    for member in tar.getmembers():
        name = member.name
        if name in (MANIFEST, DB_MEMBER):
            continue
        norm = posixpath.normpath(name)
        if not norm.startswith("uploads/") or norm != name or ".." in norm.split("/") or name.startswith("/"):
            raise BackupError(f"Refusing the archive: unexpected member {name!r}.")
        if member.isdir():
            continue
        if not member.isfile():
            raise BackupError(f"Refusing the archive: {name!r} is not a regular file.")
        members.append(member)
    return members


def _rows_in(path):
    conn = sqlite3.connect(path)
    try:
        return {name: n for name, n in _counts(conn).items() if n}
    finally:
        conn.close()


def restore_sqlite(archive, force=False):
    """Replace the database and uploads with the archive's; returns the manifest."""
    target_path = _sqlite_path()
    if not os.path.exists(archive):
        raise BackupError(f"No such file: {archive}")
    try:
        tar = tarfile.open(archive, "r:gz")
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"Cannot read {archive}: {exc}") from exc
    work = tempfile.mkdtemp(prefix="pasar-restore-")
    try:
        with tar:
            manifest = _read_manifest(tar)
            uploads = _upload_members(tar)
            try:
                db_member = tar.getmember(DB_MEMBER)
            except KeyError as exc:
                raise BackupError("The archive has no database file.") from exc
            copy_path = os.path.join(work, DB_MEMBER)
            with tar.extractfile(db_member) as src, open(copy_path, "wb") as dst:
                shutil.copyfileobj(src, dst)
            if _sha256(copy_path) != manifest.get("sha256", {}).get(DB_MEMBER):
                raise BackupError("The database file does not match the manifest's checksum: the archive is damaged.")
            check = sqlite3.connect(copy_path)
            try:
                if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                    raise BackupError("The database in the archive fails SQLite's integrity check.")
                if _counts(check) != manifest["tables"]:
                    raise BackupError("The database in the archive does not have the rows its manifest lists.")
            finally:
                check.close()

            db.session.remove()
            folder = _local_upload_folder()
            if not force:
                rows = _rows_in(target_path) if os.path.exists(target_path) else {}
                rows.pop("periodic_job_runs", None)  # a scheduler's bookkeeping, not data
                if rows:
                    listed = ", ".join(f"{n} in {t}" for t, n in sorted(rows.items())[:5])
                    raise BackupError(f"The database is not empty ({listed}). Restoring would replace it: "
                                      "use --force if that is what you want.")
                if folder and os.path.isdir(folder) and any(True for _ in _upload_files(folder)):
                    raise BackupError(f"The upload folder {folder} is not empty: use --force to replace it.")

            db.engine.dispose()
            source = sqlite3.connect(copy_path)
            target = sqlite3.connect(target_path, timeout=30)
            try:
                source.backup(target)  # replaces every page of the target in one go
            finally:
                source.close()
                target.close()
            db.engine.dispose()

            if folder:
                if os.path.isdir(folder):
                    aside = f"{folder}.before-restore-{clock.now():%Y%m%dT%H%M%S}"
                    os.replace(folder, aside)
                    manifest["uploads_moved_aside_to"] = aside
                os.makedirs(folder, exist_ok=True)
                for member in uploads:
                    rel = member.name[len("uploads/"):]
                    path = os.path.join(folder, *rel.split("/"))
                    os.makedirs(os.path.dirname(path), exist_ok=True)
                    with tar.extractfile(member) as src, open(path, "wb") as dst:
                        shutil.copyfileobj(src, dst)
            elif uploads:
                manifest["uploads_skipped"] = len(uploads)

        restored = _rows_in(target_path)
        expected = {t: n for t, n in manifest["tables"].items() if n}
        if restored != expected:
            raise BackupError("After the restore the row counts differ from the manifest; check the database.")
        return manifest
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ------------------------------------------------------------------ commands

def register_commands(app):
    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=True, writable=True))
    def backup_command(path):
        """Back up the database and uploads into one .tar.gz (SQLite); prints pg_dump on PostgreSQL."""
        if _sqlite_path() is None:
            _print_postgres_commands("backup")
            raise SystemExit(2)
        if os.path.isdir(path):
            path = os.path.join(path, f"pasar-{clock.now():%Y%m%dT%H%M%SZ}.tar.gz")
        manifest = backup_sqlite(path)
        rows = sum(manifest["tables"].values())
        click.echo(f"Backup written: {path}")
        click.echo(f"  revision {manifest['alembic_revision'] or '(none)'}, {len(manifest['tables'])} tables, "
                   f"{rows} rows, {manifest['uploads']['files']} uploaded files")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--force", is_flag=True, help="Replace a database that already has rows.")
    def restore_command(path, force):
        """Restore a `flask backup` archive (SQLite). Stop the app and the workers first."""
        if _sqlite_path() is None:
            _print_postgres_commands("restore")
            raise SystemExit(2)
        manifest = restore_sqlite(path, force=force)
        click.echo(f"Restored {path} (made {manifest['created_at']}): "
                   f"{sum(manifest['tables'].values())} rows in {len(manifest['tables'])} tables.")
        if manifest.get("uploads_moved_aside_to"):
            click.echo(f"  The previous uploads were moved to {manifest['uploads_moved_aside_to']}.")
        if manifest.get("uploads_skipped"):
            click.echo(f"  {manifest['uploads_skipped']} uploaded files were not restored: storage is S3.")
        head = _head_revision()
        if manifest.get("alembic_revision") and head and manifest["alembic_revision"] != head:
            click.echo(f"  The backup is at revision {manifest['alembic_revision']}; this code is at {head}: "
                       "run `flask db upgrade`.")
