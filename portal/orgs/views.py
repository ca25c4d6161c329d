"""LA admin screens: organisations and users."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from portal import access
from portal.access import ROLE_LABELS, ROLES
from portal.errors import Refused, Saved, reads
from portal.extensions import db
from portal.forms import shows_errors
from portal.orgs import bp, service
from portal.orgs.forms import ConfirmForm, NewUserForm, OrganisationForm, UserForm
from portal.orgs.models import Organisation, OrgKind, User
from portal.pagecache import render_page
from portal.pagination import page_links, paginate


def _me() -> User:
    return current_user._get_current_object()


def _apply_errors(form, errors: dict[str, str]) -> None:
    for field, message in errors.items():
        getattr(form, field).errors = list(getattr(form, field).errors) + [message]


@reads(Organisation)
def _organisation_as_saved(org: Organisation) -> Saved:
    return Saved("organisation", [("Name", org.name), ("Kind", org.kind.label), ("URN", org.urn),
                                  ("Named EWO", org.named_ewo.name if org.named_ewo else None),
                                  ("Status", "Active" if org.active else "Deactivated")],
                 url_for("orgs.view_organisation", org_id=org.id))


@reads(User)
def _user_as_saved(user: User) -> Saved:
    return Saved("user", [("Name", user.name), ("E-mail address", user.email),
                          ("Organisation", user.organisation.name), ("Role", user.role_label),
                          ("Status", "Active" if user.active else "Deactivated")],
                 url_for("orgs.view_user", user_id=user.id))


# ----- organisations -----------------------------------------------------------------

def _ewo_choices():
    ewos = db.session.scalars(access.ewos())
    return [("", "None yet")] + [(u.id, u.name) for u in ewos]


@bp.route("/organisations")
@access.require("manage_organisations")
def list_organisations():
    kind = request.args.get("kind", "")
    stmt = access.organisations_for(_me()).options(selectinload(Organisation.named_ewo))
    if kind in {k.value for k in OrgKind}:
        stmt = stmt.where(Organisation.kind == OrgKind(kind))
    page = paginate(stmt.order_by(Organisation.kind, Organisation.name))
    return render_template("orgs/organisations.html", page=page, pages=page_links(page), kind=kind,
                           kinds=list(OrgKind))


@bp.route("/organisations/new", methods=["GET", "POST"])
@access.require("manage_organisations")
def new_organisation():
    form = OrganisationForm()
    form.named_ewo_id.choices = _ewo_choices()
    if form.is_submitted():
        if form.validate():
            try:
                org = service.create_organisation(_me(), form.data_for_service())
            except Refused as exc:
                _apply_errors(form, exc.problems)
            else:
                flash(f"{org.name} has been added.", "success")
                return redirect(url_for("orgs.view_organisation", org_id=org.id))
        return render_template("orgs/organisation_form.html", form=form, org=None), 422
    return render_template("orgs/organisation_form.html", form=form, org=None)


@bp.route("/organisations/<int:org_id>")
@access.require("manage_organisations")
def view_organisation(org_id: int):
    org = access.get_organisation_or_404(_me(), org_id)
    members = db.session.scalars(
        access.users_for(_me()).where(User.organisation_id == org.id).order_by(User.name)
    ).all()
    return render_template("orgs/organisation.html", org=org, members=members)


@bp.route("/organisations/<int:org_id>/edit", methods=["GET", "POST"])
@access.require("manage_organisations")
def edit_organisation(org_id: int):
    org = access.get_organisation_or_404(_me(), org_id, need="edit")
    form = OrganisationForm(obj=None if request.method == "POST" else org)
    if request.method == "GET":
        form.kind.data = org.kind.value
        form.phase.data = org.phase.value if org.phase else ""
        form.version.data = org.version
    form.named_ewo_id.choices = _ewo_choices()
    if form.is_submitted():
        if form.validate():
            try:
                service.update_organisation(_me(), org, form.data_for_service(), form.version.data)
            except Refused as exc:
                db.session.rollback()
                _apply_errors(form, exc.problems)
            else:
                flash("Changes saved.", "success")
                return redirect(url_for("orgs.view_organisation", org_id=org.id))
        return render_template("orgs/organisation_form.html", form=form, org=org), 422
    return render_template("orgs/organisation_form.html", form=form, org=org)


@bp.route("/organisations/<int:org_id>/deactivate", methods=["GET", "POST"], defaults={"active": False},
          endpoint="deactivate_organisation")
@bp.route("/organisations/<int:org_id>/reactivate", methods=["GET", "POST"], defaults={"active": True},
          endpoint="reactivate_organisation")
@access.require("manage_organisations")
def set_organisation_active(org_id: int, active: bool):
    org = access.get_organisation_or_404(_me(), org_id, need="edit")
    form = ConfirmForm()
    error = None
    if form.validate_on_submit():
        try:
            service.set_organisation_active(_me(), org, active, form.version.data)
        except Refused as exc:
            error = exc.problems["active"]
        else:
            flash(f"{org.name} has been {'reactivated' if active else 'deactivated'}.", "success")
            return redirect(url_for("orgs.view_organisation", org_id=org.id))
    form.version.data = org.version
    return render_template("orgs/confirm.html", form=form, error=shows_errors(error), active=active,
                           thing=org.name, kind="organisation",
                           back=url_for("orgs.view_organisation", org_id=org.id)), (422 if error else 200)


# ----- users ----------------------------------------------------------------------------

def _org_choices():
    orgs = db.session.scalars(
        select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.name)
    )
    return [("", "Select an organisation")] + [(o.id, f"{o.name} ({o.kind.label})") for o in orgs]


@bp.route("/users")
@access.require("manage_users")
def list_users():
    def build() -> dict:
        q = request.args.get("q", "").strip()[:100]
        role = request.args.get("role", "")
        status = request.args.get("status", "")
        stmt = access.users_for(_me()).options(selectinload(User.organisation))
        if q:
            like = f"%{q.lower()}%"
            stmt = stmt.where(or_(func.lower(User.name).like(like), func.lower(User.email).like(like)))
        if role in ROLES:
            stmt = stmt.where(User.role == role)
        if status == "active":
            stmt = stmt.where(User.active.is_(True))
        elif status == "deactivated":
            stmt = stmt.where(User.active.is_(False))
        page = paginate(stmt.order_by(User.name, User.id))
        return dict(page=page, pages=page_links(page), q=q, role=role,
                    status=status, roles=[(r, ROLE_LABELS[r]) for r in ROLES])

    return render_page("orgs/users.html", build)


@bp.route("/users/new", methods=["GET", "POST"])
@access.require("manage_users")
def new_user():
    from portal.auth.service import password_problem

    form = NewUserForm()
    form.organisation_id.choices = _org_choices()
    if form.is_submitted():
        valid = form.validate()
        problem = password_problem(form.initial_password.data or "")
        if form.initial_password.data and problem:
            form.initial_password.errors.append(problem)
            valid = False
        if valid:
            try:
                user = service.create_user(_me(), form.data_for_service(), form.initial_password.data)
            except Refused as exc:
                _apply_errors(form, exc.problems)
            else:
                flash(f"{user.name} can now sign in with the temporary password.", "success")
                return redirect(url_for("orgs.view_user", user_id=user.id))
        return render_template("orgs/user_form.html", form=form, user=None), 422
    return render_template("orgs/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>")
@access.require("manage_users")
def view_user(user_id: int):
    from portal.timeutil import as_utc, utcnow

    user = access.get_user_or_404(_me(), user_id)
    locked = user.locked_until is not None and as_utc(user.locked_until) > utcnow()
    return render_template("orgs/user.html", user=user, locked=locked, form=ConfirmForm())


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@access.require("manage_users")
def edit_user(user_id: int):
    user = access.get_user_or_404(_me(), user_id, need="edit")
    form = UserForm(obj=None if request.method == "POST" else user)
    form.organisation_id.choices = _org_choices()
    if form.is_submitted():
        if form.validate():
            try:
                service.update_user(_me(), user, form.data_for_service(), form.version.data)
            except Refused as exc:
                db.session.rollback()
                _apply_errors(form, exc.problems)
            else:
                flash("Changes saved.", "success")
                return redirect(url_for("orgs.view_user", user_id=user.id))
        return render_template("orgs/user_form.html", form=form, user=user), 422
    return render_template("orgs/user_form.html", form=form, user=user)


@bp.route("/users/<int:user_id>/deactivate", methods=["GET", "POST"], defaults={"active": False},
          endpoint="deactivate_user")
@bp.route("/users/<int:user_id>/reactivate", methods=["GET", "POST"], defaults={"active": True},
          endpoint="reactivate_user")
@access.require("manage_users")
def set_user_active(user_id: int, active: bool):
    user = access.get_user_or_404(_me(), user_id, need="edit")
    form = ConfirmForm()
    error = None
    if form.validate_on_submit():
        try:
            service.set_user_active(_me(), user, active, form.version.data)
        except Refused as exc:
            error = exc.problems["active"]
        else:
            flash(f"{user.name} has been {'reactivated' if active else 'deactivated'}.", "success")
            return redirect(url_for("orgs.view_user", user_id=user.id))
    form.version.data = user.version
    return render_template("orgs/confirm.html", form=form, error=shows_errors(error), active=active,
                           thing=f"{user.name} ({user.email})", kind="user",
                           back=url_for("orgs.view_user", user_id=user.id)), (422 if error else 200)


@bp.route("/users/<int:user_id>/two-factor/reset", methods=["GET", "POST"])
@access.require("manage_users")
def reset_two_factor(user_id: int):
    user = access.get_user_or_404(_me(), user_id, need="edit")
    form = ConfirmForm()
    if form.validate_on_submit():
        service.reset_two_factor(_me(), user, form.version.data)
        flash(f"{user.name}'s two-factor sign-in has been reset. They will set it up again when they next "
              "sign in.", "success")
        return redirect(url_for("orgs.view_user", user_id=user.id))
    form.version.data = user.version
    return render_template("orgs/reset_two_factor.html", form=form, user=user,
                           back=url_for("orgs.view_user", user_id=user.id))


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@access.require("manage_users")
def unlock_user(user_id: int):
    user = access.get_user_or_404(_me(), user_id, need="edit")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    service.unlock_user(_me(), user)
    flash(f"{user.name}'s account has been unlocked.", "success")
    return redirect(url_for("orgs.view_user", user_id=user.id))
