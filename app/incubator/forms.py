from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, EmailField, FieldList, FormField, SelectField, SelectMultipleField, StringField,
                     TextAreaField, TimeField, URLField, widgets)
from wtforms.validators import URL, DataRequired, InputRequired, Length, Optional

from app.forms import DayField, EmailAddress, Form, RupiahField, WholeNumberField, coerce_id, strip
from app.labels import ACTION_OWNER_LABELS, CRITERION_LABELS, GRADUATION_DECISION_LABELS, SESSION_TOPIC_LABELS
from app.models import ACTION_OWNERS, CRITERIA_KINDS, SESSION_TOPICS


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class CohortForm(Form):
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=80)],
                       description=_l("What people call it, e.g. Angkatan 2027."))
    year = WholeNumberField(_l("Year"), minimum=2000, maximum=2100, validators=[DataRequired()])
    starts_on = DayField(_l("Starts on"), validators=[Optional()])
    ends_on = DayField(_l("Ends on"), validators=[Optional()])


class CohortMentorForm(Form):
    mentor_id = SelectField(_l("Mentor"), coerce=coerce_id, validators=[DataRequired()])


class MoveStoreForm(Form):
    store_id = SelectField(_l("Store"), coerce=coerce_id, validators=[DataRequired()])
    note = StringField(_l("Note"), filters=[strip], validators=[Optional(), Length(max=300)])


class ActionForm(Form):
    class Meta(Form.Meta):
        csrf = False

    title = StringField(_l("Agreed action"), filters=[strip], validators=[Optional(), Length(max=200)])
    due_on = DayField(_l("Due on"), validators=[Optional()])
    owner = SelectField(_l("Who does it"), choices=[(o, ACTION_OWNER_LABELS[o]) for o in ACTION_OWNERS],
                        default="store")


class SessionForm(Form):
    held_on = DayField(_l("Date"), validators=[DataRequired()])
    minutes = WholeNumberField(_l("Length (minutes)"), minimum=1, maximum=480, validators=[DataRequired()])
    topics = MultiCheckboxField(_l("Topics"), choices=[(t, SESSION_TOPIC_LABELS[t]) for t in SESSION_TOPICS])
    notes = TextAreaField(_l("Notes"), filters=[strip], validators=[Length(max=8000)])
    actions = FieldList(FormField(ActionForm), min_entries=3, max_entries=3)


class NotesForm(Form):
    notes = TextAreaField(_l("Notes"), filters=[strip], validators=[Length(max=8000)])


class TrainingForm(Form):
    title = StringField(_l("Title"), filters=[strip], validators=[DataRequired(), Length(max=160)])
    topic = SelectField(_l("Topic"), choices=[(t, SESSION_TOPIC_LABELS[t]) for t in SESSION_TOPICS])
    day = DayField(_l("Date"), validators=[DataRequired()])
    at = TimeField(_l("Starts at (WIB)"), validators=[DataRequired()])
    minutes = WholeNumberField(_l("Length (minutes)"), minimum=1, maximum=1440, validators=[DataRequired()])
    place = StringField(_l("Place"), filters=[strip], validators=[Optional(), Length(max=200)])
    online_url = URLField(_l("Online link"), filters=[strip], validators=[Optional(), URL(), Length(max=300)])
    capacity = WholeNumberField(_l("Capacity"), minimum=1, maximum=1000, validators=[DataRequired()])
    cohort_ids = MultiCheckboxField(_l("Cohorts invited"), coerce=coerce_id)


class WalkInForm(Form):
    email = EmailField(_l("E-mail of a store member who came"), filters=[strip],
                       validators=[DataRequired(), EmailAddress(), Length(max=254)])


class AttendanceForm(Form):
    registration_id = SelectField(_l("Registered person"), coerce=coerce_id, validators=[DataRequired()])


class RecommendForm(Form):
    note = TextAreaField(_l("Why this startup is ready"), filters=[strip], validators=[Length(max=2000)])


class DecisionForm(Form):
    decision = SelectField(_l("Decision"), choices=list(GRADUATION_DECISION_LABELS.items()))
    reason = TextAreaField(_l("Reason"), filters=[strip], validators=[Length(max=2000)])


class SelfReportForm(Form):
    month = DayField(_l("Month (any day of it)"), validators=[DataRequired()])
    employees = WholeNumberField(_l("People employed"), minimum=0, maximum=10000, validators=[Optional()])
    outside_sales = RupiahField(_l("Sales outside the market (Rp)"), minimum=0, validators=[Optional()])


class CheckinForm(Form):
    still_selling = BooleanField(_l("Still selling"))
    employees = WholeNumberField(_l("People employed"), minimum=0, maximum=10000, validators=[Optional()])
    note = TextAreaField(_l("Note"), filters=[strip], validators=[Length(max=2000)])


class CriteriaForm(Form):
    """One threshold and one "required" box per kind of criterion (fields added below)."""


for _kind in CRITERIA_KINDS:
    setattr(CriteriaForm, f"{_kind}_threshold", WholeNumberField(
        CRITERION_LABELS[_kind], minimum=0, maximum=2_000_000_000, validators=[InputRequired()]))
    setattr(CriteriaForm, f"{_kind}_active", BooleanField(_l("Required")))
