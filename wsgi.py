"""WSGI entry point: ``gunicorn wsgi:app``. Reads a ``.env`` file beside it when present
(the ``flask`` command does the same by itself)."""
import os

from dotenv import load_dotenv

load_dotenv(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".env"))

from app import create_app  # noqa: E402 - after the environment is loaded

app = create_app()
