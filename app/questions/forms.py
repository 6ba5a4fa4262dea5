"""Forms of the product questions; the service checks length and emptiness with its messages."""
from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField

from app.forms import Form, strip


class AskForm(Form):
    body = TextAreaField(_l("Your question"), filters=[strip])


class AnswerForm(Form):
    answer = TextAreaField(_l("Answer"), filters=[strip])


class HideForm(Form):
    reason = TextAreaField(_l("Reason for hiding"), filters=[strip])
