"""The form pieces every desk shares: the base form, the button-only form, the e-mail check,
and the fields that read what people type through app.parsing.

Every form in the app derives from ``Form``: its text fields drop NUL and other control
characters (PostgreSQL refuses NUL in text, SQLite keeps it: both now see the same text).
"""
from __future__ import annotations

import re
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, StringField
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import DateInput, Input, TextInput

from app import parsing

# C0 controls but tab, line feed and carriage return; DEL; the C1 controls.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def strip_controls(value):
    """NUL and other invisible control characters are never part of what a person meant."""
    return _CONTROLS.sub("", value) if isinstance(value, str) else value


def strip(value):
    """Pasted text often carries spaces at either end; they are not part of it."""
    return value.strip() if isinstance(value, str) else value


def has_controls(value) -> bool:
    return isinstance(value, str) and _CONTROLS.search(value) is not None


class Form(FlaskForm):
    """The app's base form: every text field is cleaned of control characters first."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            if issubclass(unbound_field.field_class, StringField):
                own = options.get("filters") or unbound_field.kwargs.get("filters") or ()
                options["filters"] = (strip_controls, *own)
            return unbound_field.bind(form=form, **options)


    def typed(self) -> dict:
        """What was typed in each field, to show a hand-written form again after an error."""
        return {field.name: field._value() for field in self if field.name != "csrf_token"}


class ConfirmForm(Form):
    """A button-only form: the CSRF token is the content."""


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


def coerce_id(value):
    """``coerce`` for a SelectField of ids: ASCII digits within the id column's range.
    WTForms turns the ValueError into its "Not a valid choice" message."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return parsing.parse_int(value, minimum=0)
    except parsing.ParseError as error:
        raise ValueError(str(error)) from None


class _ParsedField(Field):
    """A text input whose value is read by one of app.parsing's functions. ``data`` is the
    parsed value (None when empty); what was typed is shown back on an error. It reads a whole
    number within its bounds; a subclass for another kind of value overrides ``parse(text)``."""

    widget: Input = TextInput()
    # An empty input is "no value" (the validators say whether one is required); False: the
    # parser judges it too (a quantity is never empty).
    empty_is_none = True

    def __init__(self, label=None, validators=None, minimum=None, maximum=None, message=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.bounds = {k: v for k, v in (("minimum", minimum), ("maximum", maximum)) if v is not None}
        # One message for every way the value can be wrong (unreadable or out of range), if given.
        self.message = message
        self.raw = ""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.raw = strip_controls(valuelist[0] or "")
        if not self.raw.strip() and self.empty_is_none:
            self.data = None
            return
        try:
            self.data = self.parse(self.raw)
        except parsing.ParseError as error:
            self.data = None
            raise ValueError(str(self.message or error.message)) from None

    def parse(self, text: str) -> Any:
        return parsing.parse_int(text, **self.bounds)

    def pre_validate(self, form):
        # What was typed could not be read: say that, not "This field is required".
        if self.process_errors:
            raise StopValidation()
        if self.data is None and not self.empty_is_none and not self.raw:
            # Not sent at all (a hand-made request: the browser always sends the input), so
            # process_formdata never ran the parser: refuse it as the parser refuses "".
            try:
                self.parse("")
            except parsing.ParseError as error:
                raise StopValidation(str(self.message or error.message)) from None

    def _value(self):
        if self.raw:
            return self.raw
        return "" if self.data is None else str(self.data)


class RupiahField(_ParsedField):
    """An amount in whole rupiah: "Rp 25.000", "25.000" or "25000"; ``data`` is an int."""

    widget = TextInput(input_type="text")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", {}).setdefault("inputmode", "numeric")
        super().__init__(*args, **kwargs)

    def parse(self, text):
        return parsing.parse_rupiah(text, **self.bounds)

    def _value(self):
        if self.raw:
            return self.raw
        return "" if self.data is None else f"{self.data:,}".replace(",", ".")


class WholeNumberField(_ParsedField):
    """A count or a number typed by a person: ASCII digits only; ``data`` is an int."""

    widget = TextInput(input_type="number")


class QuantityField(_ParsedField):
    """How many of a product; ``data`` is an int from 1 up."""

    widget = TextInput(input_type="number")
    empty_is_none = False

    def parse(self, text):
        return parsing.parse_quantity(text)


class DayField(_ParsedField):
    """A date from a browser's date input (``YYYY-MM-DD`` only); ``data`` is a ``date``."""

    widget = DateInput()

    def parse(self, text):
        return parsing.parse_day(text)

    def _value(self):
        if self.raw:
            return self.raw
        return self.data.isoformat() if self.data else ""
