"""Flask-Migrate, imported the first time it is used rather than when the app starts.

Alembic and Mako, which Flask-Migrate imports, are about 20 MB of every web worker's memory,
and a web worker never migrates. The ``flask db …`` commands, ``flask_migrate.upgrade()``
called in code (tests, ``app/backup.py``) and ``migrations/env.py`` all find the extension
in ``app.extensions["migrate"]``: that is a stand-in here which sets up the real
Flask-Migrate on first use and then passes everything through to it.
"""
from __future__ import annotations

import importlib

import click
from flask import g
from flask.cli import with_appcontext


def _real_group() -> click.Group:
    return importlib.import_module("flask_migrate.cli").db


class _LazyDbGroup(click.Group):
    """``flask db``: its subcommands are Flask-Migrate's, loaded when one is asked for."""

    def list_commands(self, ctx):
        return _real_group().list_commands(ctx)

    def get_command(self, ctx, cmd_name):
        return _real_group().get_command(ctx, cmd_name)


# The options of Flask-Migrate's own ``db`` group (flask_migrate/cli.py, 4.1), kept in ``g``
# as that group does: its subcommands read them back from there (Migrate.get_config).
@click.group("db", cls=_LazyDbGroup)
@click.option("-d", "--directory", default=None, help='Migration script directory (default is "migrations")')
@click.option("-x", "--x-arg", multiple=True, help="Additional arguments consumed by custom env.py scripts")
@with_appcontext
def _db_group(directory, x_arg):
    """Perform database migrations."""
    g.directory = directory
    g.x_arg = x_arg


class _Pending:
    """What ``app.extensions["migrate"]`` holds until Flask-Migrate is first used."""

    def __init__(self, app, db, options):
        self._app, self._db, self._options = app, db, options

    def _real(self):
        ext = self._app.extensions
        if ext.get("migrate") is self:
            from flask_migrate import Migrate

            Migrate().init_app(self._app, self._db, **self._options)  # replaces this stand-in
        return ext["migrate"]

    def __getattr__(self, name):
        return getattr(self._real(), name)


class LazyMigrate:
    """``Migrate`` with the same ``init_app`` signature, without importing it."""

    def init_app(self, app, db, **options):
        app.extensions["migrate"] = _Pending(app, db, options)
        app.cli.add_command(_db_group)
