"""The migrations build the same schema as the models, from empty, on this database."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from app import create_app
from app.extensions import db
from app.services.search import include_name, include_object
from tests.conftest import BASE_CONFIG, TEST_DATABASE_URL, database_config


@pytest.fixture
def empty_app(tmp_path):
    """An app on an empty database (a fresh schema on PostgreSQL)."""
    schema = None
    if TEST_DATABASE_URL:
        from app.config import normalise_database_url

        schema = "mig_" + tmp_path.name.replace("-", "_")[-40:].lower()
        engine = create_engine(normalise_database_url(TEST_DATABASE_URL))
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    config = dict(BASE_CONFIG)
    config.update(database_config(tmp_path, schema))
    app = create_app(config)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if schema:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def _diff(app):
    with app.app_context():
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={
                "compare_type": True, "include_name": include_name, "include_object": include_object})
            return compare_metadata(context, db.metadata)


def test_upgrade_from_empty_matches_the_models(empty_app):
    with empty_app.app_context():
        upgrade()
    diff = _diff(empty_app)
    assert diff == [], f"models and migrations disagree; run `flask db migrate`: {diff}"


def test_downgrade_to_base_and_up_again(empty_app):
    with empty_app.app_context():
        upgrade()
        downgrade(revision="base")
        tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade()
        assert "users" in inspect(db.engine).get_table_names()
