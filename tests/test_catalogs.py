"""The compiled catalogues are there, and their absence is reported rather than silent."""
import logging
import shutil

from app.i18n import missing_catalogs, report_missing_catalogs


def test_the_suite_runs_with_compiled_catalogues(app):
    assert missing_catalogs(app) == []


def test_missing_catalogues_are_named_and_logged(app, tmp_path, caplog):
    import os

    shutil.copytree(os.path.join(app.root_path, "translations"), tmp_path / "app" / "translations")
    os.remove(tmp_path / "app" / "translations" / "id" / "LC_MESSAGES" / "messages.mo")
    original = app.root_path
    app.root_path = str(tmp_path / "app")
    try:
        assert missing_catalogs(app) == [os.path.join("app", "translations", "id", "LC_MESSAGES", "messages.mo")]
        with caplog.at_level(logging.ERROR, logger="pkb.i18n"):
            report_missing_catalogs(app)
        assert "translations not compiled" in caplog.text and "messages.mo" in caplog.text
    finally:
        app.root_path = original
