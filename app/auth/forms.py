from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError


def _strip(value):
    """Pasted addresses often carry spaces; they are not part of the address."""
    return value.strip() if isinstance(value, str) else value


class EmailAddress:
    """An e-mail address check that also accepts the reserved ``.test`` domain where
    EMAIL_ALLOW_TEST_DOMAINS is on (development, tests: the demo accounts use it)."""

    def __init__(self, message=None):
        self.message = message

    def __call__(self, form, field):
        try:
            validate_email(field.data or "", check_deliverability=False,
                           test_environment=current_app.config.get("EMAIL_ALLOW_TEST_DOMAINS", False))
        except EmailNotValidError as exc:
            raise ValidationError(self.message or _l("Enter a valid e-mail address.")) from exc

ROLE_CHOICES = [("buyer", _l("Civil servant (buyer)")), ("seller", _l("Startup / seller"))]


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), filters=[_strip], validators=[DataRequired(), EmailAddress(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Remember me"))
    next = HiddenField()


class RegisterForm(FlaskForm):
    role = RadioField(_l("I am a"), choices=ROLE_CHOICES, default="buyer", validators=[DataRequired()])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(min=2, max=120)])
    email = EmailField(_l("E-mail"), filters=[_strip], validators=[DataRequired(), EmailAddress(), Length(max=254)],
                       description=_l("Civil servants use their government e-mail address."))
    department_id = SelectField(_l("Department (OPD)"), coerce=int, validators=[Optional()],
                                description=_l("Required for civil servants."))
    phone = StringField(_l("Phone / WhatsApp"), validators=[Optional(), Length(max=30)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             description=_l("At least 10 characters, with letters and numbers or symbols."))
    confirm = PasswordField(_l("Repeat password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))])


class EmailOnlyForm(FlaskForm):
    email = EmailField(_l("E-mail"), filters=[_strip], validators=[DataRequired(), EmailAddress(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)],
                             description=_l("At least 10 characters, with letters and numbers or symbols."))
    confirm = PasswordField(_l("Repeat new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))])


class AcceptInvitationForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(min=2, max=120)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             description=_l("At least 10 characters, with letters and numbers or symbols."))
    confirm = PasswordField(_l("Repeat password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))])


class ConfirmForm(FlaskForm):
    """A button-only form: the CSRF token is the content."""
