"""Forms of the department pages. Field names match the inputs of the templates."""
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.forms import DayField, EmailAddress, Form, RupiahField, coerce_id, strip
from app.labels import DEPARTMENT_ROLE_LABELS
from app.parsing import RUPIAH_MAX


class DecisionForm(Form):
    """Approve or refuse: the note is optional for approving, the service asks it for refusing."""

    note = StringField(_l("Note"), filters=[strip], validators=[Length(max=1000)])


class TeamRoleForm(Form):
    """An approver names a purchaser among the colleagues of their department."""

    department_id = SelectField(_l("Department"), coerce=coerce_id, validate_choice=False,
                                validators=[InputRequired()])
    email = EmailField(_l("E-mail"), filters=[strip], validators=[DataRequired(), EmailAddress(), Length(max=254)])


class DepartmentRoleForm(Form):
    # The department page has two forms; this one says so.
    action = HiddenField()
    email = EmailField(_l("E-mail"), filters=[strip], validators=[DataRequired(), EmailAddress(), Length(max=254)])
    role = SelectField(_l("Role"), choices=list(DEPARTMENT_ROLE_LABELS.items()), validators=[DataRequired()])


class DepartmentForm(Form):
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    code = StringField(_l("Code"), filters=[strip], validators=[DataRequired(), Length(max=40)])
    address = TextAreaField(_l("Address"), filters=[strip], validators=[Length(max=500)])
    # Empty: the default cap. The column is a 32-bit integer, so the cap is at most RUPIAH_MAX.
    order_cap = RupiahField(_l("Cap per order (Rp)"), validators=[Optional()], minimum=1, maximum=RUPIAH_MAX)


class HolidayForm(Form):
    day = DayField(_l("Date"), validators=[DataRequired(message=_l("Enter the holiday's date."))])
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=120)])


class TreasuryPaymentForm(Form):
    paid_on = DayField(_l("Transfer date"), validators=[DataRequired(message=_l("Enter the date of the transfer."))])
    amount = RupiahField(_l("Amount (Rp)"), validators=[InputRequired(message=_l("Enter the amount in whole rupiah."))],
                         minimum=1)
    reference = StringField(_l("Transfer reference"), filters=[strip], validators=[DataRequired(), Length(max=80)])
