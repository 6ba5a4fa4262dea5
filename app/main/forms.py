from wtforms import HiddenField, SelectField

from app.forms import Form


class LanguageForm(Form):
    lang = SelectField(choices=[("id", "Bahasa Indonesia"), ("en", "English")])
    next = HiddenField()
