from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (EmailField, HiddenField, SelectField, SelectMultipleField, StringField,
                     TextAreaField, widgets)
from wtforms.validators import DataRequired, Length, Optional, Regexp

from app.labels import UNIT_CHOICE_LABELS
from app.forms import DayField, EmailAddress, Form, RupiahField, WholeNumberField, coerce_id, strip

from app.models import KECAMATAN, UNITS


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


BANKS = ["Bank Kalbar", "BRI", "BNI", "Mandiri", "BCA", "BSI", "CIMB Niaga", "Bank Danamon", "BTN"]


class StoreForm(Form):
    name = StringField(_l("Store name"), filters=[strip], validators=[DataRequired(), Length(max=120)])
    slug = StringField(_l("Web address"), filters=[strip], validators=[
        Optional(), Length(max=70), Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                                           message=_l("Lowercase letters, digits and dashes only."))],
        description=_l("Part of the store's link, e.g. kopi-aming. Left empty: made from the name."))
    description = TextAreaField(_l("About the store"), filters=[strip], validators=[Length(max=4000)])
    logo = FileField(_l("Logo"), description=_l("JPEG, PNG or WebP, at most 5 MB."))
    kecamatan = SelectField(_l("Kecamatan"), choices=[(k, k) for k in KECAMATAN])
    address = TextAreaField(_l("Address"), filters=[strip], validators=[DataRequired(), Length(max=500)])
    phone = StringField(_l("WhatsApp or phone"), filters=[strip], validators=[
        DataRequired(), Regexp(r"^\+?[0-9 ()-]{8,20}$", message=_l("Enter a phone number, e.g. 0812 3456 7890."))])
    bank_name = SelectField(_l("Bank"), choices=[(b, b) for b in BANKS])
    bank_account_number = StringField(_l("Account number"), filters=[strip], validators=[
        DataRequired(), Regexp(r"^[0-9 .-]{5,40}$", message=_l("Digits only."))])
    bank_account_holder = StringField(_l("Account holder"), filters=[strip],
                                      validators=[DataRequired(), Length(max=120)])


class InviteMemberForm(Form):
    email = EmailField(_l("E-mail"), filters=[strip], validators=[DataRequired(), EmailAddress(), Length(max=254)])


class DocumentForm(Form):
    kind = SelectField(_l("Kind of document"))
    number = StringField(_l("Number"), filters=[strip], validators=[DataRequired(), Length(max=80)])
    issuer = StringField(_l("Issued by"), filters=[strip], validators=[Length(max=120)])
    issued_on = DayField(_l("Issue date"), validators=[Optional()])
    expires_on = DayField(_l("Expiry date"), validators=[Optional()],
                           description=_l("Leave empty if the document does not expire (e.g. NIB)."))
    file = FileField(_l("Scan of the document"), validators=[DataRequired()],
                     description=_l("PDF, JPEG, PNG or WebP."))


class ProductForm(Form):
    name = StringField(_l("Product name"), filters=[strip], validators=[DataRequired(), Length(min=3, max=140)])
    category_id = SelectField(_l("Category"), coerce=coerce_id, validate_choice=False)
    description = TextAreaField(_l("Description"), filters=[strip], validators=[Length(max=8000)],
                                description=_l("What it is, size, ingredients or material, how it is made."))
    price = RupiahField(_l("Price (Rp)"), validators=[DataRequired()], minimum=100, maximum=1_000_000_000,
                        description=_l("Whole rupiah per unit, e.g. 25000."))
    stock = WholeNumberField(_l("Stock"), validators=[Optional()], maximum=1_000_000, default=0)
    unit = SelectField(_l("Unit"), choices=[(u, UNIT_CHOICE_LABELS[u]) for u in UNITS])
    weight_grams = WholeNumberField(_l("Weight (grams)"), validators=[Optional()], maximum=1_000_000, default=0)
    min_order = WholeNumberField(_l("Minimum order"), validators=[Optional()], minimum=1, maximum=100_000, default=1)
    lead_time_days = WholeNumberField(_l("Lead time (days)"), validators=[Optional()], maximum=365, default=0,
                                      description=_l("For catering and made-to-order products."))


class ImagesForm(Form):
    photos = MultipleFileField(_l("Add photos"),
                               description=_l("JPEG, PNG or WebP, at most 5 MB each, up to 8 photos."))


class ImageActionForm(Form):
    key = HiddenField(validators=[DataRequired()])
    direction = HiddenField()


class OptionsForm(Form):
    """Up to three option groups (one of the category's each) and their values, comma-separated."""

    group_1 = SelectField(_l("Option 1"), validate_choice=False)
    values_1 = StringField(_l("Values of option 1"), filters=[strip], validators=[Length(max=1000)],
                           description=_l("Separated by commas, e.g. S, M, L, XL."))
    group_2 = SelectField(_l("Option 2"), validate_choice=False)
    values_2 = StringField(_l("Values of option 2"), filters=[strip], validators=[Length(max=1000)])
    group_3 = SelectField(_l("Option 3"), validate_choice=False)
    values_3 = StringField(_l("Values of option 3"), filters=[strip], validators=[Length(max=1000)])
    # A fourth option, sent by a hand-made request, is refused by the service.
    group_4 = StringField(filters=[strip])
    values_4 = StringField(filters=[strip])


def variants_form(variants, image_choices):
    """The stock table: for each variant its SKU, stock, own price, threshold and photo."""
    fields: dict = {"product_threshold": WholeNumberField(_l("Low-stock alert for the product"),
                                                          validators=[Optional()], maximum=1_000_000)}
    for variant in variants:
        fields[f"sku_{variant.id}"] = StringField(_l("SKU"), filters=[strip], validators=[Length(max=64)])
        fields[f"stock_{variant.id}"] = WholeNumberField(_l("Stock"), maximum=1_000_000)
        fields[f"price_{variant.id}"] = RupiahField(_l("Own price (Rp)"), validators=[Optional()], minimum=100,
                                                    maximum=1_000_000_000)
        fields[f"threshold_{variant.id}"] = WholeNumberField(_l("Low-stock alert"), validators=[Optional()],
                                                             maximum=1_000_000)
        fields[f"image_{variant.id}"] = SelectField(_l("Photo"), coerce=coerce_id, choices=image_choices,
                                                    validate_choice=False)
    return type("VariantsForm", (Form,), fields)()


class BulkUploadForm(Form):
    file = FileField(_l("XLSX file"), validators=[DataRequired(message=_l("Choose the XLSX file to upload."))])


class BulkCleanRowsForm(Form):
    token = HiddenField()
