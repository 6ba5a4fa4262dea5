"""Forms of the order pages, the buyer's (orders) and the store's (sales). Field names
match the inputs of the templates; the services check what the rules say (an empty
message, a reason required to decline)."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from app.forms import Form, RupiahField, WholeNumberField, strip
from app.labels import PAYMENT_KIND_LABELS


class ReasonForm(Form):
    """Cancel or decline, with the reason the other side reads."""

    reason = TextAreaField(_l("Reason"), filters=[strip])
    next = HiddenField()


class MessageForm(Form):
    body = TextAreaField(_l("Message"), filters=[strip])


class ReviewForm(Form):
    rating = WholeNumberField(_l("Rating"), minimum=1, maximum=5, message=_l("Choose a rating from 1 to 5 stars."),
                              validators=[InputRequired(message=_l("Choose a rating from 1 to 5 stars."))])
    comment = TextAreaField(_l("Comment"), filters=[strip], validators=[Length(max=2000)])


class ReplyForm(Form):
    reply = TextAreaField(_l("Reply"), filters=[strip])


class DeliveryPaymentForm(Form):
    """The money a store received at delivery."""

    kind = SelectField(_l("Received as"), choices=list(PAYMENT_KIND_LABELS.items()), validate_choice=False)
    amount = RupiahField(_l("Amount received (Rp)"), minimum=1,
                         validators=[InputRequired(message=_l("Enter the amount received in whole rupiah."))])
    reference = StringField(_l("Reference"), filters=[strip], validators=[Length(max=80)])
    next = HiddenField()


class StoreActionForm(Form):
    """A button on the store's order list or detail: ``next`` brings the seller back to the list."""

    next = HiddenField()


# ------------------------------------------------------------------ after the order (issue 18)

class ProblemReportForm(Form):
    """Report a problem with a delivered order. The quantity fields of each line are added
    by ``problem_report_form(order)``: ``received-<item id>`` and ``accepted-<item id>``."""

    reason = SelectField(_l("What is wrong"), choices=[], validate_choice=False)
    statement = TextAreaField(_l("What happened"), filters=[strip], validators=[Length(max=2000)])
    photos = MultipleFileField(_l("Photos (optional)"),
                               description=_l("JPEG, PNG or WebP, at most 5 MB each, up to 4 photos."))

    def lines(self, order) -> dict:
        """{item id: (received, accepted)} of the lines that differ from what was ordered."""
        lines = {}
        for item in order.items:
            received = self[f"received-{item.id}"].data
            accepted = self[f"accepted-{item.id}"].data
            if received is None or accepted is None:
                continue
            if (received, accepted) != (item.quantity, item.quantity):
                lines[item.id] = (received, accepted)
        return lines


def problem_report_form(order):
    from app.labels import PROBLEM_REASON_LABELS

    class _Form(ProblemReportForm):
        pass

    for item in order.items:
        message = _l("Enter a whole number, 0 or more.")
        setattr(_Form, f"received-{item.id}", WholeNumberField(
            _l("Arrived"), minimum=0, maximum=1_000_000, message=message, default=item.quantity,
            validators=[InputRequired(message=message)]))
        setattr(_Form, f"accepted-{item.id}", WholeNumberField(
            _l("Accepted"), minimum=0, maximum=1_000_000, message=message, default=item.quantity,
            validators=[InputRequired(message=message)]))
    form = _Form()
    form.reason.choices = list(PROBLEM_REASON_LABELS.items())
    return form


class ReportAnswerForm(Form):
    """The store's answer to a problem report."""

    answer = SelectField(_l("Your answer"), choices=[], validate_choice=False)
    amount = RupiahField(_l("Amount to refund (Rp)"), minimum=1)
    statement = TextAreaField(_l("Statement"), filters=[strip], validators=[Length(max=2000)])
    photos = MultipleFileField(_l("Photos (optional)"))


class AcceptanceForm(Form):
    """Confirm the handover (BAST), accepting part of it: ``accepted-<item id>`` per line,
    added by ``acceptance_form(order)``."""

    def accepted(self, order) -> dict:
        return {item.id: self[f"accepted-{item.id}"].data for item in order.items
                if self[f"accepted-{item.id}"].data is not None}


def acceptance_form(order):
    class _Form(AcceptanceForm):
        pass

    for item in order.items:
        message = _l("Enter the quantity accepted as a whole number, 0 or more.")
        setattr(_Form, f"accepted-{item.id}", WholeNumberField(
            _l("Accepted"), minimum=0, maximum=1_000_000, message=message, default=item.quantity))
    return _Form()


class StoreRatingForm(Form):
    quality = WholeNumberField(_l("Quality"), minimum=1, maximum=4, message=_l("Rate each aspect from 1 to 4."),
                               validators=[InputRequired(message=_l("Rate each aspect from 1 to 4."))])
    timeliness = WholeNumberField(_l("Timeliness"), minimum=1, maximum=4,
                                  message=_l("Rate each aspect from 1 to 4."),
                                  validators=[InputRequired(message=_l("Rate each aspect from 1 to 4."))])
    quantity = WholeNumberField(_l("Quantity"), minimum=1, maximum=4, message=_l("Rate each aspect from 1 to 4."),
                                validators=[InputRequired(message=_l("Rate each aspect from 1 to 4."))])
    service = WholeNumberField(_l("Service"), minimum=1, maximum=4, message=_l("Rate each aspect from 1 to 4."),
                               validators=[InputRequired(message=_l("Rate each aspect from 1 to 4."))])
    note = TextAreaField(_l("Note"), filters=[strip], validators=[Length(max=2000)])
