"""``flask backup PATH`` and ``flask restore PATH``, on SQLite and on PostgreSQL.

``flask backup /var/backups/pasar/pasar.tar.gz`` (or a directory: a dated file is made in it)
writes one .tar.gz holding

- the database, copied while the app keeps running:

  - SQLite: ``db.sqlite3``, made with SQLite's online backup API (what was committed when the
    copy finished; nothing half-written);
  - PostgreSQL: ``db.dump``, ``pg_dump --format=custom --no-owner --no-privileges`` of the
    app's database (or, when the app runs in a schema of its own through a ``search_path``
    option, of that schema only), taken from a snapshot exported by the same transaction that
    counts the rows, so the dump and the manifest agree;

- ``uploads/``: the upload folder (with ``STORAGE_BACKEND=s3`` the files stay in the bucket:
  back that up with the bucket's versioning or replication);
- ``manifest.json``: time, database kind, alembic revision, rows per table, upload count,
  checksum (and, on PostgreSQL, the schema and the server / pg_dump versions).

``flask restore PATH`` checks the manifest (an archive of the other database kind is refused)
and the checksum, refuses a database that has rows (or an upload folder with files) unless
``--force``, then replaces the database and the uploads and checks the row counts against the
manifest. Stop the web processes and workers first; run ``flask db upgrade`` afterwards if the
backup is of an older version. On PostgreSQL the dump goes back with ``pg_restore --clean
--if-exists --no-owner --single-transaction``: all of it or, when pg_restore fails, nothing.

pg_dump and pg_restore (the PostgreSQL client tools, same major version as the server or newer)
get the connection from ``SQLALCHEMY_DATABASE_URI`` as a libpq connection string and the
password through ``PGPASSWORD``, never on their command line.

Without the archive format, the manual equivalent on PostgreSQL is

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
import subprocess  # nosec B404 - runs pg_dump / pg_restore with an argument list, no shell
import tarfile
import tempfile
import zlib
from contextlib import contextmanager
from urllib.parse import quote

import click
from flask import current_app

from app import clock
from app.extensions import db

FORMAT = 1
DB_MEMBER = "db.sqlite3"
PG_MEMBER = "db.dump"
MANIFEST = "manifest.json"
MEMBERS = {"sqlite": DB_MEMBER, "postgresql": PG_MEMBER}
KIND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


class BackupError(click.ClickException):
    pass


# ------------------------------------------------------------------ helpers

def _database_kind():
    name = db.engine.url.get_backend_name()
    if name not in MEMBERS:
        raise BackupError(f"flask backup supports SQLite and PostgreSQL databases, not {name}.")
    return name


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


# ------------------------------------------------------------------ PostgreSQL

def _libpq_connection():
    """The app's database as (libpq connection string without the password, password or None).

    Built from what SQLAlchemy hands psycopg (the URL, its query parameters such as
    ``options=-csearch_path=…`` or ``sslmode``, and the engine's ``connect_args``), keeping only
    libpq's own keywords."""
    from psycopg import pq
    from psycopg.conninfo import make_conninfo

    engine = db.engine
    _args, params = engine.dialect.create_connect_args(engine.url)
    connect_args = (current_app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}).get("connect_args") or {}
    params = {**params, **connect_args}
    password = params.pop("password", None)
    keywords = {option.keyword.decode() for option in pq.Conninfo.get_defaults()}
    params = {key: value for key, value in params.items() if key in keywords and value is not None}
    return make_conninfo("", **params), (str(password) if password else None)


def _pg_tool(tool):
    path = shutil.which(tool)
    if path is None:
        raise BackupError(f"{tool} is not installed (not found on PATH): install the PostgreSQL client tools of "
                          "the server's major version (Debian: apt-get install postgresql-client).")
    return path


def _one_line(text, password):
    if password:
        for secret in {password, quote(password, safe="")}:
            text = text.replace(secret, "***")
    text = " ".join(text.split())
    return text if len(text) <= 2000 else text[:2000] + " …"


def _run_pg(tool, args, password=None):
    """Run pg_dump / pg_restore; a BackupError with their stderr (password masked) when they fail."""
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = password
    try:
        # An argument list (no shell): the tool found on PATH and our own arguments; no password in them.
        command = [_pg_tool(tool), *args]
        done = subprocess.run(command, env=env, capture_output=True, encoding="utf-8", errors="replace",  # noqa: S603  # nosec B603 - list argv, no shell
                              check=False)
    except OSError as exc:
        raise BackupError(f"{tool} could not be started: {_one_line(str(exc), password)}") from exc
    if done.returncode != 0:
        detail = _one_line(done.stderr or done.stdout or "", password) or "no message"
        raise BackupError(f"{tool} failed (exit status {done.returncode}): {detail}")
    return done


def _pg_tables(conn):
    return set(conn.exec_driver_sql(
        "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema()").scalars())


def _pg_counts(conn):
    existing = _pg_tables(conn)
    counts = {}
    for name in _app_tables():
        if name in existing:
            # The table names come from our own metadata, never from input.
            query = f'SELECT count(*) FROM "{name}"'  # noqa: S608  # nosec B608 - names from our metadata
            counts[name] = conn.exec_driver_sql(query).scalar_one()
    return counts


def _pg_revision(conn):
    if "alembic_version" not in _pg_tables(conn):
        return None
    return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def _pg_schema(conn):
    schema = conn.exec_driver_sql("SELECT current_schema()").scalar()
    if schema is None:
        raise BackupError("No schema on the database's search_path exists: create it (flask db upgrade) first.")
    return schema


def _schema_pattern(schema):
    """pg_dump --schema takes a pattern: double quotes make the name literal."""
    return '"' + schema.replace('"', '""') + '"'


def _schema_label(schema):
    return "the whole database (schema public)" if schema is None else f"schema {schema}"


# ------------------------------------------------------------------ backup

def _write_archive(target, manifest, db_path, folder):
    """The archive: manifest.json, the database member, uploads/…; mode 0600, written atomically."""
    member = MEMBERS[manifest["database"]]
    files = list(_upload_files(folder)) if folder and os.path.isdir(folder) else []
    manifest["uploads"]["files"] = len(files)
    manifest["uploads"]["bytes"] = sum(os.path.getsize(full) for full, _ in files)

    partial = target + ".part"
    try:
        os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
        # Created 0600 from the start: the archive holds password hashes and private documents.
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(clock.now().timestamp()), 0o644
            tar.addfile(info, io.BytesIO(data))
            tar.add(db_path, arcname=member)
            for full, rel in files:
                tar.add(full, arcname=f"uploads/{rel}", recursive=False)
        os.chmod(partial, 0o600)  # also when an older .part file was there
        os.replace(partial, target)
    except BaseException as exc:
        if os.path.exists(partial):
            os.remove(partial)
        if isinstance(exc, OSError):
            raise BackupError(f"Backup not written ({target}): {exc}") from exc
        raise
    return manifest


def _new_manifest(kind, revision, counts, db_path, folder):
    uploads: dict[str, object] = {"included": folder is not None, "files": 0, "bytes": 0}
    if folder is None:
        uploads["note"] = "uploads are in the S3 bucket and not part of this archive"
    return {
        "format": FORMAT,
        "app": "pasar-kite-bise",
        "created_at": clock.now().isoformat(timespec="seconds"),
        "database": kind,
        "alembic_revision": revision,
        "tables": counts,
        "uploads": uploads,
        "sha256": {MEMBERS[kind]: _sha256(db_path)},
    }


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
        manifest = _new_manifest("sqlite", revision, counts, copy_path, folder)
        return _write_archive(target, manifest, copy_path, folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def backup_postgres(target):
    """pg_dump the app's database (or its schema) into the backup archive; returns the manifest.

    One read-only REPEATABLE READ transaction exports its snapshot, counts the rows and reads
    the revision; pg_dump dumps that same snapshot (``--snapshot``) while the transaction is
    still open, so the manifest describes exactly what is in the dump."""
    conninfo, password = _libpq_connection()
    version = _run_pg("pg_dump", ["--version"]).stdout.strip()
    work = tempfile.mkdtemp(prefix="pasar-backup-")
    try:
        dump_path = os.path.join(work, PG_MEMBER)
        db.session.remove()
        with db.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
                schema = _pg_schema(conn)
                server_version = conn.exec_driver_sql("SHOW server_version").scalar_one()
                counts, revision = _pg_counts(conn), _pg_revision(conn)
                # The usual install lives in public: dump the whole database, like the manual
                # pg_dump line. An app confined to its own schema (search_path) gets only that.
                dumped_schema = None if schema == "public" else schema
                args = ["--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                        f"--file={dump_path}"]
                if dumped_schema is not None:
                    args.append(f"--schema={_schema_pattern(dumped_schema)}")
                _run_pg("pg_dump", [*args, f"--dbname={conninfo}"], password)

        folder = _local_upload_folder()
        manifest = _new_manifest("postgresql", revision, counts, dump_path, folder)
        manifest["postgresql"] = {"schema": dumped_schema, "server_version": server_version, "pg_dump": version}
        return _write_archive(target, manifest, dump_path, folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ------------------------------------------------------------------ restore

def _read_manifest(tar, kind):
    try:
        member = tar.getmember(MANIFEST)
        manifest = json.load(tar.extractfile(member))
    except (KeyError, ValueError, AttributeError, tarfile.TarError, OSError) as exc:
        raise BackupError("This is not a Pasar Kite Bise backup: manifest.json is missing or unreadable.") from exc
    if not isinstance(manifest, dict):
        raise BackupError("This is not a Pasar Kite Bise backup: manifest.json is missing or unreadable.")
    if manifest.get("app") != "pasar-kite-bise" or manifest.get("format") != FORMAT:
        raise BackupError(f"Unsupported backup format {manifest.get('format')!r} (this version reads {FORMAT}).")
    found = manifest.get("database")
    if found != kind:
        if found in KIND_NAMES:
            raise BackupError(f"This backup is of a {KIND_NAMES[found]} database and this install uses "
                              f"{KIND_NAMES[kind]}: restore it on a {KIND_NAMES[found]} install.")
        raise BackupError(f"This backup is not of a {KIND_NAMES[kind]} database.")
    if not isinstance(manifest.get("tables"), dict):
        raise BackupError("The manifest has no table counts.")
    return manifest


def _upload_members(tar, db_member):
    members = []
    for member in tar.getmembers():
        name = member.name
        if name in (MANIFEST, db_member):
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


def _open_archive(archive):
    if not os.path.exists(archive):
        raise BackupError(f"No such file: {archive}")
    tar = None
    try:
        tar = tarfile.open(archive, "r:gz")
        tar.getmembers()  # reads the archive to its end: a truncated or damaged one fails here
        return tar
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        if tar is not None:
            tar.close()
        raise BackupError(f"Cannot read {archive}: {exc or type(exc).__name__}") from exc


def _extract_checked(tar, manifest, member_name, work):
    """Copy the database member out of the archive and check it against the manifest's checksum."""
    try:
        member = tar.getmember(member_name)
    except KeyError as exc:
        raise BackupError("The archive has no database file.") from exc
    path = os.path.join(work, member_name)
    try:
        with tar.extractfile(member) as src, open(path, "wb") as dst:
            shutil.copyfileobj(src, dst)
    except (tarfile.TarError, OSError, EOFError, AttributeError) as exc:
        raise BackupError(f"Cannot read the database file in the archive: {exc}") from exc
    if _sha256(path) != (manifest.get("sha256") or {}).get(member_name):
        raise BackupError("The database file does not match the manifest's checksum: the archive is damaged.")
    return path


def _refuse_unless_empty(rows, folder):
    rows = dict(rows)
    rows.pop("periodic_job_runs", None)  # a scheduler's bookkeeping, not data
    rows = {name: n for name, n in rows.items() if n}
    if rows:
        listed = ", ".join(f"{n} in {t}" for t, n in sorted(rows.items())[:5])
        raise BackupError(f"The database is not empty ({listed}). Restoring would replace it: "
                          "use --force if that is what you want.")
    if folder and os.path.isdir(folder) and any(True for _ in _upload_files(folder)):
        raise BackupError(f"The upload folder {folder} is not empty: use --force to replace it.")


def _restore_uploads(tar, uploads, folder, manifest):
    """Put the archive's uploads in the (local) upload folder, the old folder moved aside.
    With S3 storage nothing is written: the files stay in the bucket."""
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


def _check_restored(manifest, restored):
    expected = {t: n for t, n in manifest["tables"].items() if n}
    if {t: n for t, n in restored.items() if n} != expected:
        raise BackupError("After the restore the row counts differ from the manifest; check the database.")


def _rows_in(path):
    conn = sqlite3.connect(path)
    try:
        return {name: n for name, n in _counts(conn).items() if n}
    finally:
        conn.close()


@contextmanager
def _unpacked(archive, kind, member):
    """The archive open, its manifest read and its database member extracted (checked against
    the manifest) into a temporary folder removed afterwards: (tar, manifest, uploads, path)."""
    tar = _open_archive(archive)
    work = tempfile.mkdtemp(prefix="pasar-restore-")
    try:
        with tar:
            manifest = _read_manifest(tar, kind)
            uploads = _upload_members(tar, member)
            yield tar, manifest, uploads, _extract_checked(tar, manifest, member, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def restore_sqlite(archive, force=False):
    """Replace the database and uploads with the archive's; returns the manifest."""
    target_path = _sqlite_path()
    with _unpacked(archive, "sqlite", DB_MEMBER) as (tar, manifest, uploads, copy_path):
        check = sqlite3.connect(copy_path)
        try:
            if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError("The database in the archive fails SQLite's integrity check.")
            if _counts(check) != manifest["tables"]:
                raise BackupError("The database in the archive does not have the rows its manifest lists.")
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"The database in the archive cannot be read: {exc}") from exc
        finally:
            check.close()

        db.session.remove()
        folder = _local_upload_folder()
        if not force:
            _refuse_unless_empty(_rows_in(target_path) if os.path.exists(target_path) else {}, folder)

        db.engine.dispose()
        source = sqlite3.connect(copy_path)
        target = sqlite3.connect(target_path, timeout=30)
        try:
            source.backup(target)  # replaces every page of the target in one go
        finally:
            source.close()
            target.close()
        db.engine.dispose()
        _restore_uploads(tar, uploads, folder, manifest)

    _check_restored(manifest, _rows_in(target_path))
    return manifest


def restore_postgres(archive, force=False):
    """pg_restore the archive's dump into the configured database, then the uploads; returns the manifest."""
    _pg_tool("pg_restore")  # before anything else: without it nothing can be restored
    conninfo, password = _libpq_connection()
    with _unpacked(archive, "postgresql", PG_MEMBER) as (tar, manifest, uploads, dump_path):
        try:
            _run_pg("pg_restore", ["--list", dump_path])  # reads the dump only: no database yet
        except BackupError as exc:
            raise BackupError(f"The dump in the archive cannot be read: {exc.message}") from exc

        db.session.remove()
        with db.engine.connect() as conn:
            schema, rows = _pg_schema(conn), _pg_counts(conn)
        dumped = (manifest.get("postgresql") or {}).get("schema")
        here = None if schema == "public" else schema
        if dumped != here:
            # pg_restore writes a dump back into the schema it came from, whatever the target.
            raise BackupError(f"The backup holds {_schema_label(dumped)} but this install uses "
                              f"{_schema_label(here)}: pg_restore would not restore it there.")
        folder = _local_upload_folder()
        if not force:
            _refuse_unless_empty(rows, folder)

        db.engine.dispose()  # our own idle connections must not hold locks on what is dropped
        _run_pg("pg_restore", ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
                               "--exit-on-error", f"--dbname={conninfo}", dump_path], password)
        db.engine.dispose()
        _restore_uploads(tar, uploads, folder, manifest)

    with db.engine.connect() as conn:
        _check_restored(manifest, _pg_counts(conn))
    return manifest


# ------------------------------------------------------------------ commands

def register_commands(app):
    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=True, writable=True))
    def backup_command(path):
        """Back up the database (SQLite copy or pg_dump) and the uploads into one .tar.gz.

        PATH is the archive to write, or a directory to write pasar-<UTC time>.tar.gz into.
        PostgreSQL needs pg_dump (the server's major version) on PATH."""
        kind = _database_kind()
        if os.path.isdir(path) or path.endswith(("/", os.sep)):
            os.makedirs(path, exist_ok=True)
            path = os.path.join(path, f"pasar-{clock.now():%Y%m%dT%H%M%SZ}.tar.gz")
        manifest = backup_sqlite(path) if kind == "sqlite" else backup_postgres(path)
        rows = sum(manifest["tables"].values())
        click.echo(f"Backup written: {path}")
        click.echo(f"  {KIND_NAMES[kind]}, revision {manifest['alembic_revision'] or '(none)'}, "
                   f"{len(manifest['tables'])} tables, {rows} rows, {manifest['uploads']['files']} uploaded files")
        if not manifest["uploads"]["included"]:
            click.echo("  Uploads are in the S3 bucket and not in this archive: use the bucket's versioning "
                       "or replication.")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--force", is_flag=True, help="Replace a database that already has rows.")
    def restore_command(path, force):
        """Restore a `flask backup` archive (SQLite or PostgreSQL). Stop the app and the workers first.

        PostgreSQL needs pg_restore (the server's major version) on PATH."""
        kind = _database_kind()
        manifest = restore_sqlite(path, force=force) if kind == "sqlite" else restore_postgres(path, force=force)
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
