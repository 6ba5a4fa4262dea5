"""Forms of the cart and the checkout. The checkout's form is made per cart: one note per
store in it, and each payment method's own fields (``PaymentMethod.form_fields``)."""
from flask_babel import lazy_gettext as _l
from wtforms import Field, HiddenField, StringField, TextAreaField

from app.forms import DayField, Form, QuantityField, WholeNumberField, strip
from app.parsing import INT_MAX
from app.services import payments


class QuantityForm(Form):
    quantity = QuantityField(_l("Quantity"))
    next = HiddenField()


class AddToCartForm(QuantityForm):
    """The product page's form: the quantity and, for a product with options, the variant
    picked (a radio button per variant, so it works without JavaScript)."""

    variant = WholeNumberField(_l("Variant"), minimum=1, maximum=INT_MAX,
                               message=_l("Choose one of the variants shown."))


class PlaceOrderForm(Form):
    """The review page's button: the idempotency key, and the total the buyer saw (the
    order is refused if the cart changed since). An unreadable total is refused, not ignored."""

    idempotency_key = HiddenField()
    expected_total = HiddenField()


def _short(limit):
    return lambda value: value[:limit] if isinstance(value, str) else value


class _CheckoutBase(Form):
    delivery_method = StringField(filters=[strip])
    delivery_address = TextAreaField(filters=[strip])
    requested_date = DayField(message=_l("Enter the requested date as a date."))
    time_window = StringField(filters=[strip])
    payment_method = StringField(filters=[strip])
    contact_phone = StringField(filters=[strip, _short(30)])


def checkout_form(store_ids):
    """The checkout form for a cart of these stores. Notes for stores not in the cart are
    not fields, so they are ignored."""
    fields: dict[str, Field] = {f"note_{store_id}": TextAreaField(filters=[strip]) for store_id in store_ids}
    for method in payments.all_methods():
        for spec in method.form_fields(None):
            fields[f"{method.code}-{spec['name']}"] = StringField(filters=[strip, _short(500)])
    return type("CheckoutForm", (_CheckoutBase,), fields)()
