"""Forms of the money pages: refunds, payout batches, transfers recorded."""
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import InputRequired

from app.forms import DayField, Form, RupiahField, coerce_id, strip


class RefundForm(Form):
    amount = RupiahField(_l("Amount to refund (Rp)"), minimum=1,
                         message=_l("Enter an amount in whole rupiah, more than zero."),
                         validators=[InputRequired(message=_l("Enter an amount in whole rupiah, more than zero."))])
    reason = TextAreaField(_l("Reason"), filters=[strip])


class PayoutBatchForm(Form):
    # An unreadable date is None: the service says which one is missing.
    period_start = DayField(_l("From"))
    period_end = DayField(_l("Until"))


class RecordTransferForm(Form):
    transfer_reference = StringField(_l("Transfer reference"), filters=[strip])
    batch_id = HiddenField(filters=[lambda v: _id_or_none(v)])


def _id_or_none(value):
    try:
        return coerce_id(value) if value not in (None, "") else None
    except ValueError:
        return None
