from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin import admin_links, bp
from app.admin.forms import InvitationForm
from app.forms import ConfirmForm
from app.authz import admin_required
from app.extensions import db
from app.models import Invitation, OutboxMessage, User
from app.services import DomainError, accounts
from app.web import flash_error, page_arg, render_form_page


@bp.route("/")
@admin_required
def index():
    counts = {
        "admin.users": db.session.scalar(db.select(db.func.count(User.id))),
        "admin.invitations": db.session.scalar(
            db.select(db.func.count(Invitation.id)).where(Invitation.accepted_at.is_(None),
                                                         Invitation.revoked_at.is_(None))),
        "admin.outbox": db.session.scalar(db.select(db.func.count(OutboxMessage.id))),
    }
    return render_template("admin/index.html", counts=counts, admin_links=admin_links)


@bp.route("/outbox")
@admin_required
def outbox():
    page = db.paginate(db.select(OutboxMessage).order_by(OutboxMessage.id.desc()), page=page_arg(), per_page=30)
    return render_template("admin/outbox.html", page=page)


@bp.route("/outbox/<int:message_id>")
@admin_required
def outbox_message(message_id):
    message = db.get_or_404(OutboxMessage, message_id)
    return render_template("admin/outbox_message.html", message=message)


@bp.route("/invitations", methods=["GET", "POST"])
@admin_required
def invitations():
    form = InvitationForm()
    if form.validate_on_submit():
        try:
            accounts.invite(current_user, form.email.data, form.role.data)
        except DomainError as error:
            flash_error(error)
            return _invitations_page(form, status=error.status)
        flash(_("Invitation sent to %(email)s.", email=form.email.data), "success")
        return redirect(url_for("admin.invitations"))
    return _invitations_page(form)


def _invitations_page(form, status=None):
    rows = db.session.execute(
        db.select(Invitation).order_by(Invitation.id.desc()).limit(200)
    ).scalars().all()
    from app import clock

    states = {inv.id: inv.state_for_admin(clock.now(), current_app.config["INVITE_TOKEN_MAX_AGE"]) for inv in rows}
    return render_form_page("admin/invitations.html", status=status, form=form, invitations=rows,
                            states=states, revoke_form=ConfirmForm())


@bp.route("/invitations/<int:invitation_id>/revoke", methods=["POST"])
@admin_required
def revoke_invitation(invitation_id):
    invitation = db.get_or_404(Invitation, invitation_id)
    if ConfirmForm().validate_on_submit():
        try:
            accounts.revoke_invitation(current_user, invitation)
        except DomainError as error:
            flash_error(error)
            return redirect(url_for("admin.invitations")), 303
        flash(_("Invitation withdrawn."), "info")
    return redirect(url_for("admin.invitations"))


@bp.route("/users")
@admin_required
def users():
    query = db.select(User).order_by(User.created_at.desc())
    q = (request.args.get("q") or "").strip()[:100]
    if q:
        like = f"%{q.lower()}%"
        query = query.where(db.or_(db.func.lower(User.email).like(like), db.func.lower(User.full_name).like(like)))
    page = db.paginate(query, page=page_arg(), per_page=50)
    return render_template("admin/users.html", page=page, q=q, confirm_form=ConfirmForm())


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@admin_required
def deactivate_user(user_id):
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        try:
            accounts.deactivate_user(current_user, user)
        except DomainError as error:
            db.session.rollback()
            flash_error(error)
            return redirect(url_for("admin.users")), 303
        flash(_("%(email)s is deactivated and logged out everywhere.", email=user.email), "info")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@admin_required
def reactivate_user(user_id):
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        try:
            accounts.reactivate_user(current_user, user)
        except DomainError as error:
            db.session.rollback()
            flash_error(error)
            return redirect(url_for("admin.users")), 303
        flash(_("%(email)s can log in again.", email=user.email), "success")
    return redirect(url_for("admin.users"))
