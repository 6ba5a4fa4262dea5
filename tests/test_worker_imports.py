"""A web worker starts without the packages only some commands need (their memory is in
every worker): Stripe, imported on the first card payment, and Flask-Migrate with Alembic,
imported by ``flask db`` and the code that migrates."""
import json
import os
import subprocess
import sys

from flask_migrate import upgrade

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEAVY = ("stripe", "aiohttp", "alembic", "flask_migrate", "mako")


def test_a_web_worker_does_not_import_stripe_or_alembic(tmp_path):
    code = ("import json, sys; from wsgi import app; "
            "app.test_client().get('/healthz'); app.test_client().get('/katalog'); "
            f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    env = dict(os.environ, APP_ENV="production", SECRET_KEY="x" * 40, INSTANCE_PATH=str(tmp_path),
               DATABASE_URL=f"sqlite:///{tmp_path}/app.sqlite3", UPLOAD_FOLDER=str(tmp_path / "uploads"))
    env.pop("REDIS_URL", None)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_the_migrations_still_find_flask_migrate(tmp_path):
    from app import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/m.sqlite3"})
    with app.app_context():
        upgrade()
        from app.extensions import db

        assert "users" in db.inspect(db.engine).get_table_names()
        # The stand-in made way for Flask-Migrate's own record of the extension.
        assert type(app.extensions["migrate"]).__name__ == "_MigrateConfig"
        assert app.extensions["migrate"].directory.endswith("migrations")


def test_flask_db_lists_flask_migrates_commands(tmp_path):
    from app import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/m.sqlite3"})
    result = app.test_cli_runner().invoke(args=["db", "--help"])
    assert result.exit_code == 0, result.output
    for command in ("upgrade", "downgrade", "current", "migrate"):
        assert command in result.output
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from app.extensions import db

        assert "users" in db.inspect(db.engine).get_table_names()
