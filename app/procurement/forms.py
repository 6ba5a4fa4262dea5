"""Forms of the department pages. Field names match the inputs of the templates."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.forms import DayField, EmailAddress, Form, RupiahField, WholeNumberField, coerce_id, strip
from app.labels import DEPARTMENT_ROLE_LABELS
from app.parsing import RUPIAH_MAX


class DecisionForm(Form):
    """Approve or refuse: the note is optional for approving, the service asks it for refusing."""

    note = StringField(_l("Note"), filters=[strip], validators=[Length(max=1000)])


class TeamRoleForm(Form):
    """An approver names a purchaser among the colleagues of their department."""

    department_id = SelectField(_l("Department"), coerce=coerce_id, validate_choice=False,
                                validators=[InputRequired()])
    email = EmailField(_l("E-mail"), filters=[strip], validators=[DataRequired(), EmailAddress(), Length(max=254)])


class DepartmentRoleForm(Form):
    # The department page has two forms; this one says so.
    action = HiddenField()
    email = EmailField(_l("E-mail"), filters=[strip], validators=[DataRequired(), EmailAddress(), Length(max=254)])
    role = SelectField(_l("Role"), choices=list(DEPARTMENT_ROLE_LABELS.items()), validators=[DataRequired()])
    nip = StringField(_l("NIP (optional)"), filters=[strip], validators=[Length(max=24)])


class DepartmentForm(Form):
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    code = StringField(_l("Code"), filters=[strip], validators=[DataRequired(), Length(max=40)])
    address = TextAreaField(_l("Address"), filters=[strip], validators=[Length(max=500)])
    # Empty: the default cap. The column is a 32-bit integer, so the cap is at most RUPIAH_MAX.
    order_cap = RupiahField(_l("Cap per order (Rp)"), validators=[Optional()], minimum=1, maximum=RUPIAH_MAX)
    # The letterhead (kop surat) of its documents; the service checks their shape.
    letterhead_parent = StringField(_l("Government line of the letterhead"), filters=[strip],
                                    validators=[Length(max=120)])
    postcode = StringField(_l("Postcode"), filters=[strip], validators=[Length(max=10)])
    phone = StringField(_l("Phone"), filters=[strip], validators=[Length(max=40)])
    email = StringField(_l("E-mail of the department"), filters=[strip], validators=[Length(max=254)])
    logo = FileField(_l("Logo"), description=_l("JPEG, PNG or WebP, at most 5 MB."))
    remove_logo = BooleanField(_l("Remove the logo"))

    def letterhead(self) -> dict:
        return {"letterhead_parent": self.letterhead_parent.data, "postcode": self.postcode.data,
                "phone": self.phone.data, "email": self.email.data}


class HolidayForm(Form):
    day = DayField(_l("Date"), validators=[DataRequired(message=_l("Enter the holiday's date."))])
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=120)])


class TreasuryPaymentForm(Form):
    paid_on = DayField(_l("Transfer date"), validators=[DataRequired(message=_l("Enter the date of the transfer."))])
    amount = RupiahField(_l("Amount (Rp)"), validators=[InputRequired(message=_l("Enter the amount in whole rupiah."))],
                         minimum=1)
    reference = StringField(_l("Transfer reference"), filters=[strip], validators=[DataRequired(), Length(max=80)])


class TreasurerPaymentForm(TreasuryPaymentForm):
    """The treasurer's payment of an invoice: the net payable, with the slip and the NTPN."""

    slip = StringField(_l("Withholding/collection slip (bukti potong/pungut)"), filters=[strip],
                       validators=[Length(max=60)])
    ntpn = StringField(_l("NTPN"), filters=[strip], validators=[Length(max=40)])
    ntpn_pending = BooleanField(_l("The tax is not paid yet: NTPN pending"))


class HandoverPaymentForm(Form):
    """UP by the treasurer at the handover."""

    paid_on = DayField(_l("Payment date"), validators=[DataRequired(message=_l("Enter the date of the payment."))])
    amount = RupiahField(_l("Amount paid (Rp)"),
                         validators=[InputRequired(message=_l("Enter the amount in whole rupiah."))], minimum=1)
    slip = StringField(_l("Withholding/collection slip (bukti potong/pungut)"), filters=[strip],
                       validators=[Length(max=60)])
    ntpn = StringField(_l("NTPN"), filters=[strip], validators=[Length(max=40)])
    ntpn_pending = BooleanField(_l("The tax is not paid yet: NTPN pending"))


class NtpnForm(Form):
    ntpn = StringField(_l("NTPN"), filters=[strip], validators=[DataRequired(), Length(max=40)])


class TaxRuleForm(Form):
    # Chosen from lists on the page; the service names what it does not know.
    tax = StringField(_l("Tax"), filters=[strip], validators=[DataRequired(), Length(max=12)])
    applies_to = StringField(_l("Applies to"), filters=[strip], validators=[DataRequired(), Length(max=10)])
    store_vat = StringField(_l("Stores"), filters=[strip], validators=[DataRequired(), Length(max=8)])
    store_certificate = StringField(_l("Certificate"), filters=[strip], validators=[DataRequired(), Length(max=8)])
    rate_bp = WholeNumberField(_l("Rate (hundredths of a percent)"),
                               validators=[InputRequired(message=_l("Enter the rate."))], minimum=1, maximum=10000)
    base_num = WholeNumberField(_l("Base: numerator"), validators=[Optional()], minimum=1, maximum=1000)
    base_den = WholeNumberField(_l("Base: denominator"), validators=[Optional()], minimum=1, maximum=1000)
    threshold = RupiahField(_l("Threshold (Rp): not collected at or below"), validators=[Optional()], minimum=0,
                            maximum=RUPIAH_MAX)
    legal_basis = StringField(_l("Legal basis"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    effective_from = DayField(_l("In force from"),
                              validators=[DataRequired(message=_l("Enter the day the rule starts."))])
    effective_until = DayField(_l("In force until (empty: open-ended)"), validators=[Optional()])


class CategoryTaxKindForm(Form):
    category_id = SelectField(_l("Category"), coerce=coerce_id, validate_choice=False, validators=[InputRequired()])
    tax_kind = StringField(_l("Sold as"), filters=[strip], validators=[DataRequired(), Length(max=10)])
# ------------------------------------------------------------------ quotes (issue 18)

class QuoteRequestForm(Form):
    """Ask a store for a quote: per cart line ``quantity-<product id>`` and
    ``price-<product id>`` (added by ``quote_request_form``), and the order to come."""

    note = TextAreaField(_l("Note to the store"), filters=[strip], validators=[Length(max=1000)])
    answer_by = DayField(_l("Answer by"), validators=[InputRequired(message=_l("Choose the day by which the store "
                                                                                 "should answer."))])
    kode_rup = StringField(_l("Kode RUP"), filters=[strip], validators=[Length(max=12)])
    kode_rekening = StringField(_l("Kode rekening belanja"), filters=[strip], validators=[Length(max=60)])
    purpose = TextAreaField(_l("Purpose"), filters=[strip], validators=[Length(max=300)])
    delivery_address = TextAreaField(_l("Delivery address"), filters=[strip], validators=[Length(max=300)])
    requested_date = DayField(_l("Delivery day"), validators=[InputRequired(message=_l("Choose a delivery day."))])
    time_window = SelectField(_l("Time window"), validate_choice=False, choices=[])
    contact_phone = StringField(_l("Contact phone"), filters=[strip], validators=[Length(max=30)])

    def lines(self, products) -> dict:
        return {p.id: (self[f"quantity-{p.id}"].data, self[f"price-{p.id}"].data) for p in products
                if f"quantity-{p.id}" in self and self[f"quantity-{p.id}"].data}

    def order_data(self) -> dict:
        return {name: self[name].data for name in ("kode_rup", "kode_rekening", "purpose", "delivery_address",
                                                    "requested_date", "time_window", "contact_phone")}


def _price_field(label):
    from app.forms import RupiahField

    message = _l("Enter a price in whole rupiah, above zero.")
    return RupiahField(label, minimum=1, maximum=RUPIAH_MAX, message=message,
                       validators=[InputRequired(message=message)])


def quote_request_form(lines):
    """``lines``: the cart lines of one store."""
    from app.forms import WholeNumberField
    from app.models import TIME_WINDOWS

    class _Form(QuoteRequestForm):
        pass

    for line in lines:
        pid = line.product.id
        setattr(_Form, f"quantity-{pid}", WholeNumberField(
            _l("Quantity"), minimum=0, maximum=1_000_000, default=line.item.quantity,
            message=_l("Enter the quantity as a whole number.")))
        setattr(_Form, f"price-{pid}", _price_field(_l("Requested unit price (Rp)")))
    form = _Form()
    form.time_window.choices = [(code, f"{a:02d}.00–{b:02d}.00") for code, (a, b) in TIME_WINDOWS.items()]
    return form


class PricesForm(Form):
    """An offer (the store) or a counter-offer (the purchaser): ``price-<line id>`` per line."""

    note = TextAreaField(_l("Note"), filters=[strip], validators=[Length(max=1000)])
    valid_until = DayField(_l("Valid until"), validators=[Optional()])

    line_ids: tuple[int, ...] = ()

    def prices(self) -> dict:
        """{quote line id: the unit price typed for it}."""
        return {line_id: self[f"price-{line_id}"].data for line_id in self.line_ids}


def prices_form(quote):
    """A form with one unit-price field per line of ``quote``."""
    class _Form(PricesForm):
        line_ids = tuple(line.id for line in quote.lines)

    for line_id in _Form.line_ids:
        setattr(_Form, f"price-{line_id}", _price_field(_l("Unit price (Rp)")))
    return _Form()


class QuoteNoteForm(Form):
    note = TextAreaField(_l("Note"), filters=[strip], validators=[Length(max=1000)])
