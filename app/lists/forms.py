"""Forms of the shopping lists; the service checks names, quantities and who may share."""
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField

from app.forms import Form, QuantityField, WholeNumberField, coerce_id, strip
from app.labels import SHARE_MODE_LABELS
from app.parsing import INT_MAX


class ListForm(Form):
    name = StringField(_l("Name of the list"), filters=[strip])


class ShareForm(Form):
    email = StringField(_l("Colleague’s e-mail"), filters=[strip])
    mode = SelectField(_l("They may"), choices=list(SHARE_MODE_LABELS.items()), default="read")


class LineForm(Form):
    quantity = QuantityField(_l("Quantity"))


class AddToListForm(Form):
    """From the product page: an existing list, or a new one by name; for a product with
    options the variant picked (the add-to-cart form's field, by the same name)."""

    list_id = SelectField(_l("List"), coerce=lambda v: coerce_id(v) if v not in ("", None) else None,
                          validate_choice=False)
    name = StringField(_l("Name of a new list"), filters=[strip])
    quantity = QuantityField(_l("Quantity"))
    variant = WholeNumberField(_l("Variant"), minimum=1, maximum=INT_MAX,
                               message=_l("Choose one of the variants shown."))
    next = HiddenField()
