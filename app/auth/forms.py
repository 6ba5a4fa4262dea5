from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional
from app.forms import ConfirmForm, EmailAddress, Form, coerce_id, strip


ROLE_CHOICES = [("buyer", _l("Civil servant (buyer)")), ("seller", _l("Startup / seller"))]


class LoginForm(Form):
    email = EmailField(_l("E-mail"), filters=[strip], validators=[DataRequired(), EmailAddress(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Remember me"))
    next = HiddenField()


class RegisterForm(Form):
    role = RadioField(_l("I am a"), choices=ROLE_CHOICES, default="buyer", validators=[DataRequired()])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(min=2, max=120)])
    email = EmailField(_l("E-mail"), filters=[strip], validators=[DataRequired(), EmailAddress(), Length(max=254)],
                       description=_l("Civil servants use their government e-mail address."))
    department_id = SelectField(_l("Department (OPD)"), coerce=coerce_id, validators=[Optional()],
                                description=_l("Required for civil servants."))
    phone = StringField(_l("Phone / WhatsApp"), validators=[Optional(), Length(max=30)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             description=_l("At least 10 characters, with letters and numbers or symbols."))
    confirm = PasswordField(_l("Repeat password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))])


class EmailOnlyForm(Form):
    email = EmailField(_l("E-mail"), filters=[strip], validators=[DataRequired(), EmailAddress(), Length(max=254)])


class ResetPasswordForm(Form):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)],
                             description=_l("At least 10 characters, with letters and numbers or symbols."))
    confirm = PasswordField(_l("Repeat new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))])


class AcceptInvitationForm(Form):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(min=2, max=120)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             description=_l("At least 10 characters, with letters and numbers or symbols."))
    confirm = PasswordField(_l("Repeat password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))])




class LogoutForm(ConfirmForm):
    # A page that logs out on the way (the invitation for another address) names where to go on.
    next = HiddenField()
