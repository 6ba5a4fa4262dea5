"""Forms of the order pages, the buyer's (orders) and the store's (sales). Field names
match the inputs of the templates; the services check what the rules say (an empty
message, a reason required to decline)."""
from flask_babel import lazy_gettext as _l
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
