from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField

from app.main.labels import ROLE_LABELS  # noqa: F401


class LanguageForm(FlaskForm):
    lang = SelectField(choices=[("id", "Bahasa Indonesia"), ("en", "English")])
    next = HiddenField()
