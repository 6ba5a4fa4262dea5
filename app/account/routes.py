from flask import flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from app.account import bp
from app.account.forms import ChangePasswordForm, ProfileForm
from app.auth.routes import _department_choices
from app.services import DomainError, accounts
from app.web import flash_error, render_form_page


@bp.route("/")
@login_required
def overview():
    return render_template("account/overview.html")


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
        # This session carries on with the new version; every other one has ended.
        # (The real object, not the proxy: Flask-Login stores what it is given.)
        login_user(current_user._get_current_object())
        flash(_("Your password has been changed. You were logged out everywhere else."), "success")
        return redirect(url_for("account.overview"))
    return render_form_page("account/password.html", form=form)
