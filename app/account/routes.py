from flask import abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.account import bp
from app.account.forms import ChangePasswordForm, ProfileForm
from app.auth.forms import ConfirmForm
from app.auth.routes import _department_choices, end_browser_session
from app.services import DomainError, NotFound, accounts, sessions
from app.web import flash_error, render_form_page


@bp.route("/")
@login_required
def overview():
    return render_template("account/overview.html", sessions=sessions.active_sessions(current_user),
                           this_session=current_user.current_session, describe_device=sessions.describe_device,
                           confirm_form=ConfirmForm())


@bp.route("/sessions/<int:session_id>/end", methods=["POST"])
@login_required
def end_session(session_id):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    this_browser = session_id == current_user.current_session.id
    try:
        ended = sessions.end_own_session(current_user, session_id)
    except NotFound:
        abort(404)  # another person's session: as if it did not exist
    if this_browser:
        end_browser_session()
        flash(_("You have logged out."), "info")
        return redirect(url_for("auth.login"))
    flash(_("The session on %(device)s has ended: that browser must log in again.",
            device=sessions.describe_device(ended.user_agent)), "success")
    return redirect(url_for("account.overview"))


@bp.route("/sessions/end-all", methods=["POST"])
@login_required
def log_out_everywhere():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    sessions.log_out_everywhere(current_user)
    end_browser_session()
    flash(_("You have logged out on every device, this one included."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    form.department_id.choices = _department_choices()
    if form.locale.data is None:
        form.locale.data = current_user.locale or "id"
    if form.validate_on_submit():
        try:
            accounts.update_profile(
                current_user,
                full_name=form.full_name.data,
                phone=form.phone.data,
                nip=form.nip.data,
                job_title=form.job_title.data,
                department_id=form.department_id.data or None,
                locale=form.locale.data,
            )
        except DomainError as error:
            flash_error(error)
            return render_form_page("account/profile.html", status=error.status, form=form)
        session["locale"] = current_user.locale
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("account.profile"))
    return render_form_page("account/profile.html", form=form)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.password.data)
        except DomainError as error:
            flash_error(error)
            return render_form_page("account/password.html", status=error.status, form=form)
        flash(_("Your password has been changed. You were logged out everywhere else."), "success")
        return redirect(url_for("account.overview"))
    return render_form_page("account/password.html", form=form)
