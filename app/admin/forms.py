from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectField
from wtforms.validators import DataRequired, Length
from app.forms import Form

from app.forms import EmailAddress, strip


class InvitationForm(Form):
    email = EmailField(_l("E-mail"), filters=[strip], validators=[DataRequired(), EmailAddress(), Length(max=254)])
    role = SelectField(_l("Role"), choices=[("mentor", _l("Mentor")), ("admin", _l("Admin"))])
