"""Search as you type: the JSON the search boxes ask for while a buyer types."""
from flask import Blueprint

bp = Blueprint("suggest", __name__)

from app.suggest import routes  # noqa: E402,F401
