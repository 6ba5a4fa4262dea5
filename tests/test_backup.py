"""flask backup / flask restore: a consistent copy of the database (SQLite file copy or
pg_dump) and the uploads, restored into a fresh install with every row and file intact; damaged,
foreign or wrong-kind archives refused with the database left as it was."""
import io
import json
import os
import shutil
import sqlite3
import tarfile

import pytest

from app.extensions import db
from app.storage import get_storage
from tests.conftest import TEST_DATABASE_URL, empty_tables, make_app

ON_POSTGRES = bool(TEST_DATABASE_URL) and TEST_DATABASE_URL.startswith(("postgres://", "postgresql://",
                                                                        "postgresql+psycopg://"))
sqlite_only = pytest.mark.skipif(
    bool(TEST_DATABASE_URL), reason="SQLite backup tests: the test database is not SQLite")
postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL only: TEST_DATABASE_URL is not PostgreSQL")
with_pg_tools = pytest.mark.skipif(
    not ON_POSTGRES or not shutil.which("pg_dump") or not shutil.which("pg_restore"),
    reason="PostgreSQL backup: needs TEST_DATABASE_URL on PostgreSQL and pg_dump / pg_restore installed")

TABLES_TO_COMPARE = ("users", "user_roles", "departments", "stores", "store_members", "products",
                     "business_documents", "categories", "outbox_messages", "orders", "order_items",
                     "ledger_entries")
ORDERS = 3


def _populate(app):
    """Buyers, a store with products and a document, uploads, and paid orders with their ledger
    entries (a 5 % platform fee: three entries per order)."""
    from app import clock
    from app.services import ledger
    from tests import factories
    from tests.dashboard_helpers import make_order

    app.config["PLATFORM_FEE_PERCENT"] = 5
    with app.app_context():
        buyers = [factories.BuyerFactory() for _ in range(3)]
        store = factories.StoreFactory(verified=True, name="Toko Aloe Vera Pontianak")
        factories.DocumentFactory(store=store, kind="nib")
        products = [factories.ProductFactory(store=store, name=f"Minuman Lidah Buaya {n}", price=15000 + n,
                                             live=n % 2 == 0) for n in range(4)]
        factories.ProductFactory(name="Kain Corak Insang", price=350000)
        for n, buyer in enumerate(buyers[:ORDERS]):
            order = make_order(store, buyer, products[0].price * (n + 1), created=clock.now(),
                               lines=[(products[0], n + 1)])
            ledger.credit_order_paid(order)
        db.session.commit()
        storage = get_storage()
        storage.save("public/products/1/abc/thumb.webp", b"RIFF....WEBPthumb")
        storage.save("private/documents/1/nib.pdf", b"%PDF-1.4 nib")
        return [b.email for b in buyers]


def _books(app):
    """What the ledger says: every store's balance, the platform's fees, and the books check."""
    from app.models import Store
    from app.services import ledger

    with app.app_context():
        stores = db.session.execute(db.select(Store.id).order_by(Store.id)).scalars().all()
        return {"stores": {s: ledger.balance(s) for s in stores}, "fees": ledger.platform_fees(),
                "problems": ledger.check_books().problems}


def _dump(app):
    """Every row of the compared tables, as plain tuples, ordered."""
    out = {}
    with app.app_context():
        for name in TABLES_TO_COMPARE:
            table = db.metadata.tables.get(name)
            if table is None:
                continue
            rows = db.session.execute(db.select(table).order_by(*table.primary_key.columns)).all()
            out[name] = [tuple(row) for row in rows]
        db.session.remove()
    return out


@pytest.fixture
def source_app(tmp_path):
    return make_app(tmp_path / "source", None)


@pytest.fixture
def fresh_app(tmp_path):
    return make_app(tmp_path / "fresh", None)


@pytest.fixture(autouse=True)
def _dirs(tmp_path):
    (tmp_path / "source").mkdir()
    (tmp_path / "fresh").mkdir()


@sqlite_only
def test_backup_and_restore_into_a_fresh_install_keeps_every_row_and_file(source_app, fresh_app, tmp_path):
    emails = _populate(source_app)
    before, books = _dump(source_app), _books(source_app)
    assert len(before["orders"]) == ORDERS and len(before["ledger_entries"]) == 3 * ORDERS
    archive = tmp_path / "pasar.tar.gz"

    result = source_app.test_cli_runner().invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    assert "Backup written" in result.output and "SQLite" in result.output and "2 uploaded files" in result.output
    assert oct(os.stat(archive).st_mode & 0o777) == "0o600"

    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        manifest = json.load(tar.extractfile("manifest.json"))
    assert {"manifest.json", "db.sqlite3", "uploads/public/products/1/abc/thumb.webp",
            "uploads/private/documents/1/nib.pdf"} <= names
    assert manifest["database"] == "sqlite"
    assert manifest["tables"]["products"] == 5
    assert manifest["tables"]["users"] == len({row[0] for row in before["users"]})
    assert manifest["tables"]["ledger_entries"] == 3 * ORDERS
    assert manifest["uploads"] == {"included": True, "files": 2, "bytes": 17 + 12}
    assert manifest["created_at"] and "alembic_revision" in manifest

    assert _dump(fresh_app)["users"] == []
    # A fresh install whose cron already ran the periodic jobs still counts as empty.
    assert fresh_app.test_cli_runner().invoke(args=["jobs", "run-due"]).exit_code == 0
    result = fresh_app.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code == 0, result.output
    assert "Restored" in result.output

    after = _dump(fresh_app)
    assert after == before
    assert _books(fresh_app) == books and books["fees"] > 0
    with fresh_app.app_context():
        from app.models import User

        assert sorted(e for e in db.session.execute(db.select(User.email)).scalars() if e in emails) == sorted(emails)
        assert get_storage().read("private/documents/1/nib.pdf") == b"%PDF-1.4 nib"
    # The restored install serves the restored files.
    assert fresh_app.test_client().get("/media/public/products/1/abc/thumb.webp").data == b"RIFF....WEBPthumb"


@sqlite_only
def test_restore_refuses_a_database_with_rows_unless_forced(source_app, fresh_app, tmp_path):
    _populate(source_app)
    archive = tmp_path / "pasar.tar.gz"
    assert source_app.test_cli_runner().invoke(args=["backup", str(archive)]).exit_code == 0

    from tests import factories

    with fresh_app.app_context():
        factories.BuyerFactory(email="sudah.ada@pontianak.go.id")
    result = fresh_app.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code != 0
    assert "not empty" in result.output and "--force" in result.output
    with fresh_app.app_context():
        from app.models import User

        assert db.session.execute(db.select(User.email)).scalars().all() == ["sudah.ada@pontianak.go.id"]

    result = fresh_app.test_cli_runner().invoke(args=["restore", "--force", str(archive)])
    assert result.exit_code == 0, result.output
    assert _dump(fresh_app) == _dump(source_app)


@sqlite_only
def test_backup_into_a_directory_names_the_file_by_date(source_app, tmp_path):
    out = tmp_path / "backups"
    out.mkdir()
    result = source_app.test_cli_runner().invoke(args=["backup", str(out)])
    assert result.exit_code == 0, result.output
    (name,) = os.listdir(out)
    assert name.startswith("pasar-") and name.endswith(".tar.gz")
    # A directory that does not exist yet, written as one (trailing slash), is made.
    result = source_app.test_cli_runner().invoke(args=["backup", f"{tmp_path / 'nightly'}/"])
    assert result.exit_code == 0, result.output
    (name,) = os.listdir(tmp_path / "nightly")
    assert name.startswith("pasar-") and name.endswith(".tar.gz")


@sqlite_only
def test_backup_is_consistent_while_another_connection_writes(source_app, tmp_path):
    _populate(source_app)
    with source_app.app_context():
        path = db.engine.url.database
    writer = sqlite3.connect(path)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE products SET price = 1")  # not committed while the backup runs
    try:
        archive = tmp_path / "during-write.tar.gz"
        result = source_app.test_cli_runner().invoke(args=["backup", str(archive)])
        assert result.exit_code == 0, result.output
    finally:
        writer.rollback()
        writer.close()
    with tarfile.open(archive) as tar:
        data = tar.extractfile("db.sqlite3").read()
    copy = tmp_path / "copy.sqlite3"
    copy.write_bytes(data)
    prices = sorted(p for (p,) in sqlite3.connect(copy).execute("SELECT price FROM products"))
    assert prices == [15000, 15001, 15002, 15003, 350000]


def _rewrite(archive, target, change):
    """Copy ``archive`` to ``target`` letting ``change(name, data)`` alter or add members."""
    with tarfile.open(archive) as src, tarfile.open(target, "w:gz") as dst:
        members = [(m, src.extractfile(m).read() if m.isfile() else None) for m in src.getmembers()]
        for member, data in change(members):
            if data is not None:
                member.size = len(data)
                dst.addfile(member, io.BytesIO(data))
            else:
                dst.addfile(member)


def _edit_manifest(members, edit):
    """Members with manifest.json changed by ``edit(manifest)`` (in place)."""
    out = []
    for member, data in members:
        if member.name == "manifest.json":
            manifest = json.loads(data)
            edit(manifest)
            data = json.dumps(manifest).encode()
        out.append((member, data))
    return out


@sqlite_only
def test_restore_refuses_damaged_or_foreign_archives(source_app, fresh_app, tmp_path):
    _populate(source_app)
    archive = tmp_path / "pasar.tar.gz"
    assert source_app.test_cli_runner().invoke(args=["backup", str(archive)]).exit_code == 0
    runner = fresh_app.test_cli_runner()

    def corrupt_db(members):
        return [(m, d[:-100] + b"\0" * 100 if m.name == "db.sqlite3" else d) for m, d in members]

    def traversal(members):
        evil = tarfile.TarInfo("uploads/../../evil.txt")
        return members + [(evil, b"pwned")]

    def no_manifest(members):
        return [(m, d) for m, d in members if m.name != "manifest.json"]

    def lying_counts(members):
        def one_more_user(manifest):
            manifest["tables"]["users"] += 1

        return _edit_manifest(members, one_more_user)

    def postgresql_kind(members):
        return _edit_manifest(members, lambda manifest: manifest.update(database="postgresql"))

    for change, message in ((corrupt_db, "checksum"), (traversal, "unexpected member"),
                            (no_manifest, "manifest.json is missing"), (lying_counts, "does not have the rows"),
                            (postgresql_kind, "This backup is of a PostgreSQL database and this install uses SQLite")):
        bad = tmp_path / f"{change.__name__}.tar.gz"
        _rewrite(archive, bad, change)
        result = runner.invoke(args=["restore", str(bad)])
        assert result.exit_code != 0, change.__name__
        assert message in result.output, (change.__name__, result.output)
        assert _dump(fresh_app)["users"] == []
    assert not (tmp_path / "evil.txt").exists()

    not_a_backup = tmp_path / "random.tar.gz"
    not_a_backup.write_bytes(b"not a tar file")
    result = runner.invoke(args=["restore", str(not_a_backup)])
    assert result.exit_code != 0 and "Cannot read" in result.output

    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    result = runner.invoke(args=["restore", str(truncated)])
    assert result.exit_code != 0 and "Cannot read" in result.output, result.output
    assert _dump(fresh_app)["users"] == []




@pytest.mark.skipif(ON_POSTGRES and not (shutil.which("pg_dump") and shutil.which("pg_restore")),
                    reason="PostgreSQL backup: needs pg_dump / pg_restore installed")
def test_with_s3_storage_the_uploads_stay_in_the_bucket(app, pg_schema, tmp_path):
    """Either database: the archive holds the database only and says so; restoring an archive
    with local uploads into an S3 install leaves the bucket alone and says so."""
    from tests.test_storage import FakeS3

    _populate(app)
    before = _dump(app)
    local_archive = tmp_path / "local.tar.gz"
    assert app.test_cli_runner().invoke(args=["backup", str(local_archive)]).exit_code == 0
    if pg_schema is not None:
        empty_tables(app)  # the S3 install below uses the same schema
    (tmp_path / "s3").mkdir()
    s3_app = make_app(tmp_path / "s3", pg_schema, STORAGE_BACKEND="s3", S3_BUCKET="pasar-uploads", S3_CLIENT=FakeS3())
    runner = s3_app.test_cli_runner()
    try:
        result = runner.invoke(args=["restore", str(local_archive)])
        assert result.exit_code == 0, result.output
        assert "2 uploaded files were not restored: storage is S3" in result.output
        assert _dump(s3_app) == before
        assert not [call for call in s3_app.extensions["storage"].client.calls if call[0] == "put"]

        s3_archive = tmp_path / "s3.tar.gz"
        result = runner.invoke(args=["backup", str(s3_archive)])
        assert result.exit_code == 0, result.output
        assert "0 uploaded files" in result.output and "Uploads are in the S3 bucket" in result.output
        names, manifest = _members(s3_archive)
        assert not any(name.startswith("uploads/") for name in names)
        assert manifest["uploads"] == {"included": False, "files": 0, "bytes": 0,
                                       "note": "uploads are in the S3 bucket and not part of this archive"}
    finally:
        with s3_app.app_context():
            db.session.remove()
            db.engine.dispose()


# ------------------------------------------------------------------ PostgreSQL

def _emails(app):
    from app.models import User

    with app.app_context():
        emails = sorted(db.session.execute(db.select(User.email)).scalars())
        db.session.remove()
    return emails


def _members(archive):
    with tarfile.open(archive) as tar:
        return set(tar.getnames()), json.load(tar.extractfile("manifest.json"))


def _fresh(app):
    """The database emptied and the uploads gone: a fresh install in the same schema
    (pg_restore puts a dump back into the schema it came from)."""
    empty_tables(app)
    shutil.rmtree(app.config["UPLOAD_FOLDER"], ignore_errors=True)


@with_pg_tools
def test_on_postgresql_backup_and_restore_keep_orders_ledger_and_files(app, runner, pg_schema, tmp_path):
    emails = _populate(app)
    before, books = _dump(app), _books(app)
    assert len(before["orders"]) == ORDERS and len(before["ledger_entries"]) == 3 * ORDERS and books["fees"] > 0
    archive = tmp_path / "backups" / "pasar.tar.gz"

    result = runner.invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    assert "Backup written" in result.output and "PostgreSQL" in result.output
    assert "2 uploaded files" in result.output
    assert oct(os.stat(archive).st_mode & 0o777) == "0o600"
    assert not (tmp_path / "backups" / "pasar.tar.gz.part").exists()
    names, manifest = _members(archive)
    assert {"manifest.json", "db.dump", "uploads/public/products/1/abc/thumb.webp",
            "uploads/private/documents/1/nib.pdf"} <= names
    assert "db.sqlite3" not in names
    assert manifest["database"] == "postgresql" and manifest["format"] == 1
    assert manifest["postgresql"]["schema"] == pg_schema  # the test's own schema, not the whole database
    assert manifest["postgresql"]["pg_dump"].startswith("pg_dump (PostgreSQL)")
    assert manifest["tables"]["orders"] == ORDERS and manifest["tables"]["ledger_entries"] == 3 * ORDERS
    assert manifest["tables"]["products"] == 5
    assert manifest["uploads"] == {"included": True, "files": 2, "bytes": 17 + 12}
    assert set(manifest["sha256"]) == {"db.dump"}

    _fresh(app)
    assert _dump(app)["orders"] == []
    # A fresh install whose cron already ran the periodic jobs still counts as empty.
    assert runner.invoke(args=["jobs", "run-due"]).exit_code == 0
    result = runner.invoke(args=["restore", str(archive)])
    assert result.exit_code == 0, result.output
    assert "Restored" in result.output

    assert _dump(app) == before
    assert _books(app) == books
    with app.app_context():
        from app.models import User

        assert sorted(e for e in db.session.execute(db.select(User.email)).scalars() if e in emails) == sorted(emails)
        assert get_storage().read("private/documents/1/nib.pdf") == b"%PDF-1.4 nib"
        db.session.remove()
    assert app.test_client().get("/media/public/products/1/abc/thumb.webp").data == b"RIFF....WEBPthumb"
    # The restored sequences carry on after the restored rows.
    with app.app_context():
        from tests import factories

        assert factories.BuyerFactory().id > max(row[0] for row in before["users"])
        db.session.remove()


@with_pg_tools
def test_on_postgresql_restore_refuses_a_database_with_rows_unless_forced(app, runner, tmp_path):
    _populate(app)
    before = _dump(app)
    archive = tmp_path / "pasar.tar.gz"
    assert runner.invoke(args=["backup", str(archive)]).exit_code == 0

    from app.models import LedgerEntry, Product
    from tests import factories

    with app.app_context():
        factories.BuyerFactory(email="sudah.ada@pontianak.go.id")
        db.session.execute(db.update(Product).values(price=1))
        db.session.execute(db.delete(LedgerEntry).where(LedgerEntry.reason == "fee"))
        db.session.commit()
    changed = _dump(app)
    result = runner.invoke(args=["restore", str(archive)])
    assert result.exit_code != 0
    assert "not empty" in result.output and "--force" in result.output
    assert _dump(app) == changed

    result = runner.invoke(args=["restore", "--force", str(archive)])
    assert result.exit_code == 0, result.output
    assert "previous uploads were moved" in result.output
    assert _dump(app) == before


@with_pg_tools
def test_on_postgresql_the_dump_matches_the_manifest_while_others_commit(app, runner, tmp_path, monkeypatch):
    """Rows committed by another connection between the row count and pg_dump are in neither:
    pg_dump dumps the snapshot the counting transaction exported."""
    from sqlalchemy import create_engine

    import app.backup as backup

    _populate(app)
    emails = _emails(app)
    # Another session with the app's settings (its search_path: the same schema).
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], **app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    counted = backup._pg_revision

    def count_then_another_session_commits(conn):
        revision = counted(conn)
        with engine.begin() as other:
            other.exec_driver_sql("UPDATE users SET email = 'ganti.' || email")
            other.exec_driver_sql("DELETE FROM ledger_entries WHERE reason = 'fee'")
        return revision

    monkeypatch.setattr(backup, "_pg_revision", count_then_another_session_commits)
    archive = tmp_path / "pasar.tar.gz"
    try:
        result = runner.invoke(args=["backup", str(archive)])
    finally:
        engine.dispose()
    assert result.exit_code == 0, result.output
    _names, manifest = _members(archive)
    assert manifest["tables"]["ledger_entries"] == 3 * ORDERS
    monkeypatch.undo()

    _fresh(app)
    result = runner.invoke(args=["restore", str(archive)])
    assert result.exit_code == 0, result.output
    assert len(_dump(app)["ledger_entries"]) == 3 * ORDERS
    assert _emails(app) == emails


@with_pg_tools
def test_on_postgresql_bad_archives_are_refused_and_the_database_left_alone(app, runner, pg_schema, tmp_path):
    _populate(app)
    archive = tmp_path / "pasar.tar.gz"
    assert runner.invoke(args=["backup", str(archive)]).exit_code == 0
    from tests import factories

    with app.app_context():
        factories.BuyerFactory(email="setelah.backup@pontianak.go.id")  # a restore would remove this user
    current = _dump(app)
    with tarfile.open(archive) as tar:
        dump = tar.extractfile("db.dump").read()

    def replace_dump(data):
        """The dump swapped for ``data``, with a manifest checksum that matches it."""
        import hashlib

        def change(members):
            out = []
            for member, content in members:
                if member.name == "db.dump":
                    content = data
                out.append((member, content))
            return _edit_manifest(out, lambda m: m["sha256"].update({"db.dump": hashlib.sha256(data).hexdigest()}))
        return change

    def corrupt_dump(members):
        return [(m, d[:-100] + b"\0" * 100 if m.name == "db.dump" else d) for m, d in members]

    def other_schema(members):
        return _edit_manifest(members, lambda m: m["postgresql"].update(schema="toko_lain"))

    def whole_database(members):
        return _edit_manifest(members, lambda m: m["postgresql"].update(schema=None))

    def sqlite_kind(members):
        return _edit_manifest(members, lambda m: m.update(database="sqlite"))

    def traversal(members):
        return members + [(tarfile.TarInfo("uploads/../../evil.txt"), b"pwned")]

    (tmp_path / "sqlite").mkdir()
    sqlite_app = make_app(tmp_path / "sqlite", None)  # a real SQLite backup, from a SQLite install
    sqlite_archive = tmp_path / "sqlite.tar.gz"
    assert sqlite_app.test_cli_runner().invoke(args=["backup", str(sqlite_archive)]).exit_code == 0
    with sqlite_app.app_context():
        db.engine.dispose()
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    cases = [
        (sqlite_archive, "This backup is of a SQLite database and this install uses PostgreSQL"),
        (tmp_path / "does-not-exist.tar.gz", "does not exist"),
        (truncated, "Cannot read"),
    ]
    for change, message in (
            (corrupt_dump, "checksum"),
            (replace_dump(b"PGDMP but not really a dump"), "The dump in the archive cannot be read: pg_restore failed"),
            # Passes the pg_restore --list check (the table of contents is whole) but the data ends
            # early: pg_restore fails after its DROPs, and the single transaction undoes them.
            (replace_dump(dump[:-16]), "Error: pg_restore failed (exit status 1): pg_restore: error: could not read"),
            (other_schema, f"holds schema toko_lain but this install uses schema {pg_schema}"),
            (whole_database, "holds the whole database (schema public)"),
            (sqlite_kind, "This backup is of a SQLite database and this install uses PostgreSQL"),
            (traversal, "unexpected member")):
        bad = tmp_path / f"{getattr(change, '__name__', 'x')}-{len(cases)}.tar.gz"
        _rewrite(archive, bad, change)
        cases.append((bad, message))

    for bad, message in cases:
        # --force: only the archive itself can stop these restores.
        result = runner.invoke(args=["restore", "--force", str(bad)])
        assert result.exit_code != 0, (bad.name, result.output)
        assert message in result.output, (bad.name, result.output)
        # One line, "Error: …" (a missing file is Click's own usage error, with the usage above it).
        assert result.output.strip().splitlines()[-1].startswith("Error:"), result.output
        assert bad.exists() is False or len(result.output.strip().splitlines()) == 1, result.output
        assert _dump(app) == current, bad.name
        assert "Traceback" not in result.output
    assert not (tmp_path / "evil.txt").exists()
    with app.app_context():
        assert get_storage().read("private/documents/1/nib.pdf") == b"%PDF-1.4 nib"
        db.session.remove()


@postgres_only
def test_on_postgresql_without_pg_dump_or_pg_restore_the_commands_say_so(app, runner, tmp_path, monkeypatch):
    archive = tmp_path / "pasar.tar.gz"
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))
    result = runner.invoke(args=["backup", str(archive)])
    assert result.exit_code == 1
    assert "pg_dump is not installed" in result.output and "postgresql-client" in result.output
    assert not archive.exists() and not (tmp_path / "pasar.tar.gz.part").exists()

    archive.write_bytes(b"")
    result = runner.invoke(args=["restore", "--force", str(archive)])
    assert result.exit_code == 1 and "pg_restore is not installed" in result.output


@postgres_only
def test_on_postgresql_a_failing_pg_dump_shows_its_error_but_never_the_password(pg_schema, tmp_path, monkeypatch):
    """The password goes to pg_dump in PGPASSWORD, not on its command line, and is masked in
    what the command prints. (The test server trusts 127.0.0.1, so any password connects.)"""
    from sqlalchemy.engine import make_url

    from app.config import normalise_database_url

    secret = "Rahasia p@ss/42"
    url = make_url(normalise_database_url(TEST_DATABASE_URL)).set(password=secret)
    app = make_app(tmp_path, pg_schema, SQLALCHEMY_DATABASE_URI=url.render_as_string(hide_password=False))
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    argv_file = tmp_path / "argv.txt"
    fake = fake_bin / "pg_dump"
    fake.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "--version" ]; then echo "pg_dump (PostgreSQL) 15.0"; exit 0; fi\n'
        f'printf "%s\\n" "$@" > "{argv_file}"\n'
        'echo "pg_dump: error: connection to server failed: password \\"$PGPASSWORD\\" was refused" >&2\n'
        'echo "pg_dump: detail: second line" >&2\n'
        "exit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake_bin}{os.pathsep}{os.environ.get('PATH', '')}")
    archive = tmp_path / "pasar.tar.gz"
    try:
        result = app.test_cli_runner().invoke(args=["backup", str(archive)])
    finally:
        with app.app_context():
            db.engine.dispose()
    assert result.exit_code == 1
    assert "pg_dump failed (exit status 1): pg_dump: error: connection to server failed: password" in result.output
    assert '"***" was refused pg_dump: detail: second line' in result.output  # PGPASSWORD was set, then masked
    assert secret not in result.output and "p%40ss" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    argv = argv_file.read_text()
    assert secret not in argv and "p%40ss" not in argv and "password" not in argv
    assert "--no-owner" in argv and "--no-privileges" in argv and "--format=custom" in argv
    assert f'--schema="{pg_schema}"' in argv and "--snapshot=" in argv
    assert "dbname=test" in argv and f"search_path={pg_schema}" in argv
    assert not archive.exists() and not (tmp_path / "pasar.tar.gz.part").exists()


@with_pg_tools
def test_on_postgresql_the_readme_pg_dump_and_pg_restore_lines_round_trip(app, pg_schema, tmp_path):
    """The manual alternative the README keeps: its pg_dump / pg_restore lines, limited to this
    test's schema, bring every row back."""
    import re
    import shlex
    import subprocess
    from pathlib import Path

    from sqlalchemy import create_engine, text

    from app.config import normalise_database_url

    _populate(app)
    before = _dump(app)
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    lines = [line.split("#")[0].strip() for line in readme.splitlines()]
    dump_line = next(line for line in lines if line.startswith("pg_dump --format=custom"))
    restore_line = next(line for line in lines if line.startswith("pg_restore "))
    dump = str(tmp_path / "pasar.dump")

    def command(line):
        line = re.sub(r"--file=\S*\$\([^)]*\)\S*", f"--file={dump}", line).replace("$DATABASE_URL", TEST_DATABASE_URL)
        return [dump if arg.startswith("pasar-") and arg.endswith(".dump") else arg for arg in shlex.split(line)]

    dump_cmd = command(dump_line)
    subprocess.run(dump_cmd[:-1] + [f"--schema={pg_schema}", dump_cmd[-1]], check=True, timeout=120)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    admin = create_engine(normalise_database_url(TEST_DATABASE_URL))
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{pg_schema}" CASCADE'))
    admin.dispose()
    subprocess.run(command(restore_line), check=True, timeout=120)

    assert _dump(app) == before
    assert len(before["ledger_entries"]) == 3 * ORDERS
