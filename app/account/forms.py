from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional
from app.forms import Form, coerce_id


class ProfileForm(Form):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(min=2, max=120)])
    phone = StringField(_l("Phone / WhatsApp"), validators=[Optional(), Length(max=30)])
    nip = StringField(_l("NIP (staff number)"), validators=[Optional(), Length(max=30)])
    job_title = StringField(_l("Position"), validators=[Optional(), Length(max=120)])
    department_id = SelectField(_l("Department (OPD)"), coerce=coerce_id, validators=[Optional()])
    locale = SelectField(_l("Language"), choices=[("id", "Bahasa Indonesia"), ("en", "English")])


class ChangePasswordForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)],
                             description=_l("At least 10 characters, with letters and numbers or symbols."))
    confirm = PasswordField(_l("Repeat new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))])
