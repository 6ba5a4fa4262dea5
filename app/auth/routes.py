from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.auth import bp
from app.auth.forms import AcceptInvitationForm, EmailOnlyForm, LoginForm, LogoutForm, RegisterForm, ResetPasswordForm
from app.auth.session import record_seen
from app.forms import ConfirmForm
from app.extensions import db, limiter
from app.models import Department
from app.services import DomainError
from app.services import accounts, sessions
from app.web import flash_error, render_form_page, safe_next


def _login_limit():
    return current_app.config["RATELIMIT_LOGIN"]


def _reset_limit():
    return current_app.config["RATELIMIT_RESET"]


def _department_choices():
    rows = db.session.execute(db.select(Department).order_by(Department.name)).scalars()
    return [(0, _("— choose your department —"))] + [(d.id, d.name) for d in rows]


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    form.department_id.choices = _department_choices()
    if request.method == "GET" and request.args.get("role") in ("buyer", "seller"):
        form.role.data = request.args["role"]
    if form.validate_on_submit():
        try:
            accounts.register_user(
                email=form.email.data,
                password=form.password.data,
                full_name=form.full_name.data,
                role=form.role.data,
                department_id=form.department_id.data or None,
                phone=form.phone.data,
                locale=session.get("locale"),
            )
        except DomainError as error:
            flash_error(error)
            return render_form_page("auth/register.html", status=error.status, form=form)
        flash(_("Account created. We sent a confirmation link to %(email)s: open it to activate your account.",
                email=accounts.normalise_email(form.email.data)), "success")
        return redirect(url_for("auth.login"))
    return render_form_page("auth/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data, form.password.data,
                                         device=request.cookies.get(accounts.DEVICE_COOKIE))
        except accounts.AccountLocked:
            # A locked account is answered like a wrong password or an unknown address (same
            # message, status and form), so the lock does not tell that the address has an
            # account; its owner learns of the lock by the notice e-mail sent when it began.
            user = None
        except DomainError as error:
            flash_error(error)
            return render_form_page("auth/login.html", status=error.status, form=form)
        if user is None:
            flash(_("E-mail or password is not correct."), "danger")
            return render_form_page("auth/login.html", status=401, form=form)
        if not user.active:
            flash(_("This account has been deactivated. Contact the programme staff."), "danger")
            return render_form_page("auth/login.html", status=403, form=form)
        if not user.is_verified:
            flash(_("Confirm your e-mail address first: open the link we sent you, or ask for a new one below."),
                  "warning")
            return redirect(url_for("auth.resend_verification", email=user.email))
        _start_session(user, remember=form.remember.data)
        if user.locale:
            session["locale"] = user.locale
        flash(_("Welcome, %(name)s.", name=user.full_name), "success")
        response = redirect(safe_next(form.next.data))
        response.set_cookie(accounts.DEVICE_COOKIE, accounts.device_token(user),
                            max_age=accounts.TRUSTED_DEVICE_DAYS * 24 * 3600, httponly=True, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
        return response
    return render_form_page("auth/login.html", form=form)


def _start_session(user, remember=False):
    """A server-side session for this browser, then the cookies that name it."""
    sessions.start_session(user, user_agent=request.user_agent.string, ip=request.remote_addr)
    login_user(user, remember=remember)


def end_browser_session():
    """Forget the user in this browser (cookies and session), keeping its language."""
    locale = session.get("locale")
    logout_user()
    session.clear()
    if locale:
        session["locale"] = locale


@bp.route("/logout", methods=["POST"])
def logout():
    form = LogoutForm()
    if not form.validate_on_submit():
        return redirect(url_for("main.home"))
    if current_user.is_authenticated:
        # Ended on the server too, so a copy of the cookie opens nothing from now on.
        sessions.log_out(current_user)
    end_browser_session()
    flash(_("You have logged out."), "info")
    # A page that logs out on the way (the invitation for another address) names where to go on.
    return redirect(safe_next(form.next.data))


@bp.route("/verify/<token>")
def verify_email(token):
    try:
        accounts.verify_email(token)
    except DomainError as error:
        return render_template("auth/token_problem.html", message=str(error.message)), error.status
    flash(_("Your e-mail address is confirmed. You can log in now."), "success")
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    return redirect(url_for("auth.login"))


@bp.route("/verify/resend", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def resend_verification():
    form = EmailOnlyForm()
    if request.method == "GET" and request.args.get("email"):
        form.email.data = request.args["email"]
    if form.validate_on_submit():
        user = accounts.find_user_by_email(form.email.data)
        if user is not None and not user.is_verified:
            accounts.resend_verification(user)
        flash(_("If this address has an unconfirmed account, we sent a new link to it."), "info")
        return redirect(url_for("auth.login"))
    return render_form_page("auth/resend.html", form=form)


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def forgot_password():
    form = EmailOnlyForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        flash(_("If this address has an account, we sent a link to reset the password. It works for one hour."),
              "info")
        return redirect(url_for("auth.login"))
    return render_form_page("auth/forgot.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def reset_password(token):
    try:
        accounts.user_for_reset_token(token)
    except DomainError as error:
        return render_template("auth/token_problem.html", message=str(error.message)), error.status
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data)
        except DomainError as error:
            flash_error(error)
            return render_form_page("auth/reset.html", status=error.status, form=form)
        if current_user.is_authenticated:
            end_browser_session()  # its session row ended with the reset, like every other
        flash(_("Your password has been changed. Log in with the new one."), "success")
        return redirect(url_for("auth.login"))
    return render_form_page("auth/reset.html", form=form)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token):
    try:
        invitation = accounts.invitation_for_token(token)
    except DomainError as error:
        return render_template("auth/token_problem.html", message=str(error.message)), error.status
    if current_user.is_authenticated:
        form = ConfirmForm()
        if accounts.normalise_email(current_user.email) != invitation.email:
            # Refused as soon as the link is opened, not only when the form is sent: the page
            # names the account that is logged in and offers to log out and come back.
            return render_template("auth/invitation.html", invitation=invitation, wrong_account=True), 403
        if form.validate_on_submit():
            try:
                accounts.accept_invitation(token, existing_user=current_user._get_current_object())
            except DomainError as error:
                flash_error(error)
                return render_form_page("auth/invitation.html", status=error.status, form=form,
                                        invitation=invitation, existing=True)
            flash(_("You now also have the %(role)s role.", role=role_label(invitation.role)), "success")
            return redirect(url_for("main.home"))
        return render_form_page("auth/invitation.html", form=form, invitation=invitation, existing=True)
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = accounts.accept_invitation(token, full_name=form.full_name.data, password=form.password.data)
        except DomainError as error:
            flash_error(error)
            return render_form_page("auth/invitation.html", status=error.status, form=form,
                                    invitation=invitation, existing=False)
        _start_session(user)
        flash(_("Welcome to Pasar Kite Bise, %(name)s.", name=user.full_name), "success")
        return redirect(url_for("main.home"))
    return render_form_page("auth/invitation.html", form=form, invitation=invitation, existing=False)


def role_label(role):
    from app.labels import ROLE_LABELS

    return str(ROLE_LABELS.get(role, role))


@bp.before_app_request
def forget_request_caches():
    """Load the user, the language and the department roles afresh for every request. In
    production each request has its own ``g``; under a test's outer app context ``g`` is
    shared, and a cached user, locale or role would leak from one request (or test client)
    to the next."""
    from app.authz import forget_department_roles

    g.pop("_login_user", None)
    g.pop("pkb_seen_session", None)
    g.pop("pkb_header_counts", None)
    g.pop("_flask_babel", None)
    forget_department_roles()


bp.after_app_request(record_seen)
