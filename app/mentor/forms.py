from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.models import REASON_CODES
from app.seller.forms import MultiCheckboxField
from app.labels import REASON_LABELS
from app.forms import Form
from app.web import safe_next


class DecisionForm(Form):
    decision = RadioField(_l("Decision"), choices=[
        ("approve", _l("Approve")), ("request_changes", _l("Request changes")), ("reject", _l("Reject"))],
        validators=[DataRequired(message=_l("Choose a decision."))])
    reason_codes = MultiCheckboxField(_l("Reasons (for changes)"),
                                      choices=[(c, REASON_LABELS[c]) for c in REASON_CODES])
    note = TextAreaField(_l("Note to the seller"), validators=[Length(max=4000)],
                         description=_l("Required when you request changes or reject."))


class NoteForm(Form):
    note = TextAreaField(_l("Note"), validators=[Length(max=4000)])
    # The mentor page the button was on (their queue or the store), to return to.
    back = HiddenField()

    def back_to(self, default):
        data = self.back.data or ""
        back = safe_next(data, "mentor.queue")
        return back if data.startswith("/mentor/") and back == data.strip() else default
