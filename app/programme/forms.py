from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp
from app.forms import Form, WholeNumberField, coerce_id


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class CategoryForm(Form):
    name_id = StringField(_l("Name (Indonesian)"), filters=[_strip], validators=[DataRequired(), Length(max=120)])
    name_en = StringField(_l("Name (English)"), filters=[_strip], validators=[DataRequired(), Length(max=120)])
    slug = StringField(_l("Web address"), filters=[_strip], validators=[
        Optional(), Length(max=80),
        Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", message=_l("Lowercase letters, digits and dashes only."))])
    parent_id = SelectField(_l("Parent category"), coerce=coerce_id, validate_choice=False)
    required_documents = TextAreaField(
        _l("Required documents"), filters=[_strip],
        description=_l("One group per line; the store needs one valid document of each group. "
                       "Kinds: nib, halal, pirt, bpom_md, bpom_ml, hki, other. "
                       "Example: first line “pirt, bpom_md, bpom_ml”, second line “halal”."))
    option_groups = StringField(
        _l("Variant options"), filters=[_strip], validators=[Length(max=300)],
        description=_l("The options its products' variants may have, separated by commas, e.g. "
                       "“Ukuran, Warna”. A product uses up to 3 of them."))
    description = TextAreaField(_l("Description"), filters=[_strip], validators=[Length(max=2000)])
    position = WholeNumberField(_l("Position"), validators=[Optional()], default=0)


class AssignMentorForm(Form):
    mentor_id = SelectField(_l("Mentor"), coerce=coerce_id, validate_choice=False)


class SuspendForm(Form):
    note = TextAreaField(_l("Reason"), filters=[_strip], validators=[DataRequired(), Length(max=2000)])
