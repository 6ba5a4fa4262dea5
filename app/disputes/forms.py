from flask_babel import lazy_gettext as _l
from wtforms import SelectField, TextAreaField
from wtforms.validators import Length

from app.forms import Form, strip


class DisputeDecisionForm(Form):
    decision = SelectField(_l("Decision"), choices=[("uphold", _l("For the buyer")), ("dismiss", _l("For the store"))],
                           validate_choice=False)
    note = TextAreaField(_l("Reason for the decision"), filters=[strip], validators=[Length(max=2000)])
