"""flask backup / flask restore: a consistent copy of the SQLite database and the uploads,
restored into a fresh install with every row and file intact."""
import io
import json
import os
import sqlite3
import tarfile

import pytest

from app.extensions import db
from app.storage import get_storage
from tests.conftest import TEST_DATABASE_URL, make_app

sqlite_only = pytest.mark.skipif(
    bool(TEST_DATABASE_URL), reason="flask backup copies SQLite files; on PostgreSQL it prints pg_dump commands")

TABLES_TO_COMPARE = ("users", "user_roles", "departments", "stores", "store_members", "products",
                     "business_documents", "categories", "outbox_messages")


def _populate(app):
    from tests import factories

    with app.app_context():
        buyers = [factories.BuyerFactory() for _ in range(3)]
        store = factories.StoreFactory(verified=True, name="Toko Aloe Vera Pontianak")
        factories.DocumentFactory(store=store, kind="nib")
        for n in range(4):
            factories.ProductFactory(store=store, name=f"Minuman Lidah Buaya {n}", price=15000 + n, live=n % 2 == 0)
        factories.ProductFactory(name="Kain Corak Insang", price=350000)
        storage = get_storage()
        storage.save("public/products/1/abc/thumb.webp", b"RIFF....WEBPthumb")
        storage.save("private/documents/1/nib.pdf", b"%PDF-1.4 nib")
        return [b.email for b in buyers]


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
    before = _dump(source_app)
    archive = tmp_path / "pasar.tar.gz"

    result = source_app.test_cli_runner().invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    assert "Backup written" in result.output and "2 uploaded files" in result.output
    assert oct(os.stat(archive).st_mode & 0o777) == "0o600"

    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        manifest = json.load(tar.extractfile("manifest.json"))
    assert {"manifest.json", "db.sqlite3", "uploads/public/products/1/abc/thumb.webp",
            "uploads/private/documents/1/nib.pdf"} <= names
    assert manifest["tables"]["products"] == 5
    assert manifest["tables"]["users"] == len({row[0] for row in before["users"]})
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
        out = []
        for m, d in members:
            if m.name == "manifest.json":
                manifest = json.loads(d)
                manifest["tables"]["users"] += 1
                d = json.dumps(manifest).encode()
            out.append((m, d))
        return out

    for change, message in ((corrupt_db, "checksum"), (traversal, "unexpected member"),
                            (no_manifest, "manifest.json is missing"), (lying_counts, "does not have the rows")):
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


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="PostgreSQL only: there flask backup prints pg_dump commands")
def test_on_postgresql_backup_prints_pg_dump_instead_of_pretending(app, runner, tmp_path):
    result = runner.invoke(args=["backup", str(tmp_path / "x.tar.gz")])
    assert result.exit_code == 2
    assert "pg_dump --format=custom" in result.output and "pg_restore" in result.output
    assert not (tmp_path / "x.tar.gz").exists()
    assert "***" not in result.output
    result = runner.invoke(args=["restore", __file__])
    assert result.exit_code == 2 and "pg_restore" in result.output


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="PostgreSQL only: checks the documented pg_dump / pg_restore")
def test_on_postgresql_the_documented_pg_dump_and_pg_restore_round_trip(app, runner, pg_schema, tmp_path):
    """Runs the printed commands (pg_dump limited to this test's schema), drops the schema,
    restores it, and finds every row again."""
    import re
    import shlex
    import shutil
    import subprocess

    from sqlalchemy import create_engine, text

    from app.config import normalise_database_url

    if not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        pytest.skip("pg_dump / pg_restore are not installed")
    _populate(app)
    before = _dump(app)
    printed = runner.invoke(args=["backup", str(tmp_path)]).output
    lines = [line.strip() for line in printed.splitlines()]
    dump = str(tmp_path / "pasar.dump")
    dump_line = next(line for line in lines if line.startswith("pg_dump"))
    dump_cmd = shlex.split(re.sub(r"--file=\S*\$\([^)]*\)\S*", f"--file={dump}", dump_line))
    restore_cmd = shlex.split(next(line for line in lines if line.startswith("pg_restore")))
    subprocess.run(dump_cmd[:-1] + [f"--schema={pg_schema}", dump_cmd[-1]], check=True, timeout=120)

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    admin = create_engine(normalise_database_url(TEST_DATABASE_URL))
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{pg_schema}" CASCADE'))
    admin.dispose()
    subprocess.run(restore_cmd[:-1] + [dump], check=True, timeout=120)

    assert _dump(app) == before
    assert len(before["products"]) == 5
