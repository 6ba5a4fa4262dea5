"""The stand-in's test-card form (development and tests only: real cards go to Stripe's
Payment Element and never reach this server)."""
from wtforms import StringField

from app.forms import Form, WholeNumberField, strip


class _Lenient(WholeNumberField):
    """An expiry part: unreadable is None, for the service to name."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None


class TestCardForm(Form):
    number = StringField(filters=[strip])
    exp_month = _Lenient(maximum=99)
    exp_year = _Lenient(maximum=9999)
    cvc = StringField(filters=[strip])
