"""Panel meetings: the list, scheduling, the meeting page (details, members, the agenda), and
for members the confidentiality statement and the case summary packs. Thin: `access` loads
and decides, `service` acts, these views parse and render."""
from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal import access, audit
from portal.cases.models import Case
from portal.errors import Refused, Saved, reads
from portal.extensions import db, htmx
from portal.forms import shows_errors
from portal.orgs.models import Organisation, User
from portal.pagecache import render_page
from portal.panels import bp, packs, service
from portal.panels.forms import AddItemForm, InviteAgencyForm, InviteUserForm, RemoveItemForm, ScheduleForm
from portal.panels.models import AgendaItem, MeetingStatus, PanelDecision, PanelMeeting, PanelMember
from portal.panels.rules import NOT_LISTABLE, SLOT_RANGE
from portal.params import int_arg, to_int
from portal.pupils.models import Pupil
from portal.timeutil import LONDON, as_utc, today, utcnow


def _apply(form, exc: Refused, fields: dict[str, str] | None = None) -> None:
    """Put a refusal's problems on the form's fields (else on the form)."""
    fields = fields or {}
    for name, message in exc.problems.items():
        field = getattr(form, fields.get(name, name), None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [message]
        else:
            form.form_errors.append(message)
    if not exc.problems:
        form.form_errors.append(exc.message)


def _version() -> int | None:
    return to_int(request.form.get("version"))


def _meeting_url(meeting: PanelMeeting, anchor: str = "") -> str:
    return url_for("panels.view_meeting", meeting_id=meeting.id) + anchor


@reads(PanelMeeting)
def _meeting_as_saved(meeting: PanelMeeting) -> Saved:
    return Saved("meeting", [("Status", meeting.status_label),
                             ("When", as_utc(meeting.held_at).astimezone(LONDON).strftime("%-d %B %Y, %H:%M")),
                             ("Cases on the agenda", len(meeting.active_items))], _meeting_url(meeting))


@reads(PanelDecision)
def _decision_as_saved(decision: PanelDecision) -> Saved:
    return Saved("case's decision", [("Decision", decision.label), ("Rationale", decision.rationale),
                                     ("Next review", decision.next_review),
                                     ("Recorded by", decision.decided_by.name if decision.decided_by else None)],
                 url_for("panels.run_meeting", meeting_id=decision.item.meeting_id, item=decision.agenda_item_id))


# ----- the list and scheduling ----------------------------------------------------------------

@bp.route("/panels")
@access.require("attend_panels")
def list_meetings():
    def build() -> dict:
        meetings = db.session.scalars(access.meetings_for(current_user)
                                      .options(selectinload(PanelMeeting.chair), selectinload(PanelMeeting.items))
                                      .order_by(PanelMeeting.held_at, PanelMeeting.id)).all()
        now = utcnow()
        upcoming = [m for m in meetings if as_utc(m.held_at) >= now]
        past = [m for m in reversed(meetings) if as_utc(m.held_at) < now]
        return dict(upcoming=upcoming, past=past,
                    can_schedule=access.can(current_user, "run_panels"))

    return render_page("panels/meetings.html", build)


@bp.route("/panels/new", methods=["GET", "POST"])
@access.require("run_panels")
def new_meeting():
    form = ScheduleForm()
    admin = access.can(current_user, "oversee_all_panels")  # chooses the chair
    if admin:
        form.chair_id.choices = [("", "Select a chair")] + [
            (str(u.id), f"{u.name} ({access.ROLE_LABELS[u.role]})") for u in db.session.scalars(access.panel_chairs())]
    else:
        del form.chair_id  # a panel chair schedules the meetings they chair
    if form.validate_on_submit():
        chair = None
        if admin:
            chair_id = form.chair_id.data
            chair = db.session.scalar(access.panel_chairs().where(User.id == int(chair_id))) if chair_id else None
            if chair is None:
                form.chair_id.errors = list(form.chair_id.errors) + ["Select the chair of the meeting"]
        if not form.errors:
            held_at = datetime.strptime(f"{form.day.data} {form.start.data}", "%Y-%m-%d %H:%M").replace(tzinfo=LONDON)
            try:
                meeting = service.schedule_meeting(current_user, held_at, place=form.place.data or "",
                                                   online_link=form.online_link.data or "", chair=chair,
                                                   notes=(form.notes.data or "").strip())
            except Refused as exc:
                db.session.rollback()
                _apply(form, exc, {"held_at": "day", "chair_id": "chair_id" if admin else "day"})
            else:
                flash("The meeting has been scheduled. Build its agenda, invite the members, then publish it.",
                      "success")
                return redirect(_meeting_url(meeting), code=303)
    return render_template("panels/new.html", form=form, admin=admin), (422 if form.is_submitted() else 200)


# ----- the meeting page -----------------------------------------------------------------------

def _agenda_context(meeting: PanelMeeting, **extra) -> dict:
    manage = access.can_manage_meeting(current_user, meeting)
    # Load the items with what the agenda shows, so expected_times finds them in the session (the
    # session holds objects weakly: the list is kept in the context until the page is rendered).
    loaded = db.session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
                                .options(joinedload(AgendaItem.case).joinedload(Case.pupil).joinedload(Pupil.school),
                                         joinedload(AgendaItem.case).joinedload(Case.stage),
                                         joinedload(AgendaItem.removed_by), joinedload(AgendaItem.decision))).all()
    times = service.expected_times(meeting)
    editable = manage and meeting.status != MeetingStatus.held
    context = dict(meeting=meeting, manage=manage, editable=editable, times=times,
                   removed=[i for i in meeting.items if i.removed_at is not None] if manage else [],
                   add_form=AddItemForm(formdata=None, prefix="add"),
                   needs_confidentiality=service.needs_confidentiality(current_user, meeting),
                   minutes_versions=access.minutes_versions(current_user, meeting),
                   started=as_utc(meeting.held_at) <= utcnow(), search=dict(q="", results=[], on_agenda=set()),
                   agenda_items=loaded)
    context.update(extra)
    shows_errors(context.get("problem"))
    return context


def _invite_forms(meeting: PanelMeeting, user_form=None, agency_form=None) -> dict:
    members = db.session.scalars(select(PanelMember).where(PanelMember.meeting_id == meeting.id)
                                 .options(joinedload(PanelMember.user), joinedload(PanelMember.organisation))
                                 .order_by(PanelMember.id)).all()
    user_form = user_form or InviteUserForm(formdata=None, prefix="invite")
    agency_form = agency_form or InviteAgencyForm(formdata=None, prefix="agency")
    invited_users = {m.user_id for m in members if m.user_id is not None}
    invited_orgs = {m.organisation_id for m in members if m.user_id is None}
    people = db.session.scalars(select(User).where(User.active.is_(True), User.id != meeting.chair_id)
                                .options(joinedload(User.organisation)).order_by(User.name)).all()
    user_form.user_id.choices = [("", "Select a person")] + [
        (str(u.id), f"{u.name} ({u.organisation.name})") for u in people if u.id not in invited_users]
    orgs = db.session.scalars(select(Organisation).where(Organisation.active.is_(True))
                              .order_by(Organisation.kind, Organisation.name)).all()
    agency_form.organisation_id.choices = [("", "Select an agency")] + [
        (str(o.id), o.name) for o in orgs if o.id not in invited_orgs]
    return dict(members=members, invite_form=user_form, agency_form=agency_form)


def _meeting_page(meeting: PanelMeeting, status: int = 200, user_form=None, agency_form=None, **extra):
    context = _agenda_context(meeting, **extra)
    context.update(_invite_forms(meeting, user_form, agency_form))
    return render_template("panels/meeting.html", **context), status


@bp.route("/panels/<int:meeting_id>")
@access.require("attend_panels")
@audit.viewing("panel_meeting_viewed", "a panel meeting and its agenda", ("PanelMeeting", "meeting_id"))
def view_meeting(meeting_id: int):
    meeting = access.get_meeting_or_404(current_user, meeting_id)
    if htmx and htmx.target == "agenda" and not htmx.history_restore_request:
        return render_template("panels/_agenda.html", **_agenda_context(meeting))
    return _meeting_page(meeting)


def _case_search(meeting: PanelMeeting, q: str, chosen: int | None = None) -> dict:
    """The search for a case to add (its words, the results, which are on the agenda already)."""
    q = q.strip()[:100]
    results, listed = service.search_cases(current_user, meeting, q) if q else ([], set())
    if chosen and all(c.id != chosen for c in results):
        case = access.case_for_agenda(current_user, meeting, chosen)
        if case is not None:
            results.insert(0, case)
    return dict(q=q, results=results, on_agenda=listed)


@bp.route("/panels/<int:meeting_id>/agenda/case-search")
@access.require("run_panels")
@audit.viewing("agenda_case_search", "a search for cases to add to an agenda", ("PanelMeeting", "meeting_id"),
               terms=("q",))  # without words it is the meeting page, whose agenda names children
def search_cases(meeting_id: int):
    """Active search (htmx: the results only) or, without JavaScript, the meeting page with them."""
    meeting = access.get_meeting_or_404(current_user, meeting_id, need="manage")
    search = _case_search(meeting, request.args.get("q", ""))
    if htmx and htmx.target == "case-results" and not htmx.history_restore_request:
        return render_template("panels/_case_results.html", meeting=meeting,
                               add_form=AddItemForm(formdata=None, prefix="add"), **search)
    return _meeting_page(meeting, search=search)


def _agenda_refused(meeting: PanelMeeting, message: str, add_form=None, search: tuple[str, int | None] | None = None):
    db.session.rollback()
    reloaded = db.session.get(PanelMeeting, meeting.id)
    assert reloaded is not None  # loaded through access by the caller; a rollback does not remove it
    meeting = reloaded
    extra: dict[str, object] = {"problem": message}
    if add_form is not None:
        extra["add_form"] = add_form
    if search is not None:  # the search and the case chosen, kept
        extra["search"] = _case_search(meeting, search[0], search[1])
    if htmx and htmx.target == "agenda":
        return render_template("panels/_agenda.html", **_agenda_context(meeting, **extra)), 422
    return _meeting_page(meeting, 422, **extra)


def _agenda_done(meeting: PanelMeeting, message: str):
    """htmx: the agenda fragment (with the message); otherwise back to the page."""
    if htmx and htmx.target == "agenda":
        reloaded = db.session.get(PanelMeeting, meeting.id)
        assert reloaded is not None  # loaded through access by the caller
        response = render_template("panels/_agenda.html", **_agenda_context(reloaded, done=message))
        return response, 200, {"HX-Trigger": "agendaChanged"}
    flash(message, "success")
    return redirect(_meeting_url(meeting, "#agenda"), code=303)


def _agenda_change(meeting: PanelMeeting, change):
    """Run `change` (it returns the message to show); Refused -> 422 (a Conflict is the one 409 page)."""
    try:
        message = change()
    except Refused as exc:
        return _agenda_refused(meeting, exc.message)
    return _agenda_done(meeting, message)


@bp.route("/panels/<int:meeting_id>/agenda/build", methods=["POST"])
@access.require("run_panels")
def build_agenda(meeting_id: int):
    meeting = access.get_meeting_or_404(current_user, meeting_id, need="manage")

    def change():
        added = service.build_agenda(current_user, meeting, _version())
        if not added:
            return service.why_none_due(meeting)
        names = ", ".join(item.case.pupil.display_name for item in added)
        return f"{len(added)} due case{'s were' if len(added) != 1 else ' was'} added to the agenda: {names}."

    return _agenda_change(meeting, change)


@bp.route("/panels/<int:meeting_id>/agenda/items", methods=["POST"])
@access.require("run_panels")
def add_item(meeting_id: int):
    meeting = access.get_meeting_or_404(current_user, meeting_id, need="manage")
    form = AddItemForm(prefix="add")
    q = request.form.get("q", "")
    if not form.validate():
        return _agenda_refused(meeting, _first_error(form), add_form=form, search=(q, form.case_id.data))
    case = access.case_for_agenda(current_user, meeting, form.case_id.data)
    if case is None:  # no such case, or not one the chair may list: the same answer
        form.case_id.errors = list(form.case_id.errors) + [NOT_LISTABLE]
        return _agenda_refused(meeting, NOT_LISTABLE, add_form=form, search=(q, None))
    try:
        service.add_item(current_user, meeting, case, form.reason.data, form.version.data)
    except Refused as exc:
        _apply(form, exc)
        return _agenda_refused(meeting, exc.message, add_form=form, search=(q, case.id))
    return _agenda_done(meeting, f"{case.pupil.display_name} has been added to the agenda.")


def _first_error(form) -> str:
    return next((m for errors in form.errors.values() for m in errors), "Check the form")


@bp.route("/panels/<int:meeting_id>/agenda/items/<int:item_id>/move", methods=["POST"])
@access.require("run_panels")
def move_item(meeting_id: int, item_id: int):
    item = access.get_agenda_item_or_404(current_user, meeting_id, item_id, need="manage")
    direction = request.form.get("direction", "")

    def change():
        service.move_item(current_user, item, direction, _version())
        return f"{item.case.pupil.display_name} has been moved {direction}."

    return _agenda_change(item.meeting, change)


@bp.route("/panels/<int:meeting_id>/agenda/items/<int:item_id>/slot", methods=["POST"])
@access.require("run_panels")
def set_slot(meeting_id: int, item_id: int):
    item = access.get_agenda_item_or_404(current_user, meeting_id, item_id, need="manage")
    minutes = to_int(request.form.get("minutes", "").strip(), min=0)

    def change():
        if minutes is None:
            low, high = SLOT_RANGE
            raise Refused(f"Enter the time slot as a number of minutes, {low} to {high}.")
        service.set_slot(current_user, item, minutes, _version())
        return f"{item.case.pupil.display_name} now has {minutes} minutes."

    return _agenda_change(item.meeting, change)


@bp.route("/panels/<int:meeting_id>/agenda/items/<int:item_id>/remove", methods=["GET", "POST"])
@access.require("run_panels")
@audit.viewing("agenda_item_form_viewed", "the form to take a case off an agenda", ("AgendaItem", "item_id"))
def remove_item(meeting_id: int, item_id: int):
    item = access.get_agenda_item_or_404(current_user, meeting_id, item_id, need="manage")
    meeting = item.meeting
    form = RemoveItemForm()
    if request.method == "GET":
        form.version.data = meeting.version
    elif form.validate():
        try:
            service.remove_item(current_user, item, form.reason.data, form.version.data)
        except Refused as exc:
            db.session.rollback()
            _apply(form, exc)
        else:
            flash(f"{item.case.pupil.display_name} has been removed from the agenda.", "success")
            return redirect(_meeting_url(meeting, "#agenda"), code=303)
    return render_template("panels/remove.html", form=form, item=item, meeting=meeting), \
        (422 if form.is_submitted() else 200)


@bp.route("/panels/<int:meeting_id>/publish", methods=["POST"])
@access.require("run_panels")
def publish(meeting_id: int):
    meeting = access.get_meeting_or_404(current_user, meeting_id, need="manage")
    try:
        service.publish(current_user, meeting, _version())
    except Refused as exc:
        return _agenda_refused(meeting, exc.message)
    flash("The agenda has been published: the members have been told.", "success")
    return redirect(_meeting_url(meeting), code=303)


# ----- members --------------------------------------------------------------------------------

def _reloaded(meeting_id: int) -> PanelMeeting:
    """The meeting again (after a rollback), which the view has already loaded through access."""
    meeting = db.session.get(PanelMeeting, meeting_id)
    assert meeting is not None  # a rollback does not remove it
    return meeting


@bp.route("/panels/<int:meeting_id>/members", methods=["POST"])
@access.require("run_panels")
def invite_person(meeting_id: int):
    meeting = access.get_meeting_or_404(current_user, meeting_id, need="manage")
    form = InviteUserForm(prefix="invite")
    _invite_forms(meeting, user_form=form)  # the choices to validate against
    if form.validate():
        user = db.session.get(User, int(form.user_id.data))
        if user is None:  # the choices are checked, but the person may have gone since
            abort(404)
        try:
            service.invite_user(current_user, meeting, user)
        except Refused as exc:
            db.session.rollback()
            _apply(form, exc)
        else:
            flash(f"{user.name} has been invited.", "success")
            return redirect(_meeting_url(meeting, "#members"), code=303)
    return _meeting_page(_reloaded(meeting_id), 422, user_form=form)


@bp.route("/panels/<int:meeting_id>/agencies", methods=["POST"])
@access.require("run_panels")
def invite_agency(meeting_id: int):
    meeting = access.get_meeting_or_404(current_user, meeting_id, need="manage")
    form = InviteAgencyForm(prefix="agency")
    _invite_forms(meeting, agency_form=form)
    if form.validate():
        org = db.session.get(Organisation, int(form.organisation_id.data))
        if org is None:  # the choices are checked, but the organisation may have gone since
            abort(404)
        try:
            service.invite_agency(current_user, meeting, org)
        except Refused as exc:
            db.session.rollback()
            _apply(form, exc)
        else:
            flash(f"{org.name} has been invited.", "success")
            return redirect(_meeting_url(meeting, "#members"), code=303)
    return _meeting_page(_reloaded(meeting_id), 422, agency_form=form)


# ----- members: confidentiality and the case summary packs ---------------------------------------

@bp.route("/panels/<int:meeting_id>/confidentiality", methods=["GET", "POST"])
@access.require("attend_panels")
def confidentiality(meeting_id: int):
    meeting = access.get_meeting_or_404(current_user, meeting_id)
    item_id = int_arg("item") or to_int(request.form.get("item"))
    if not service.needs_confidentiality(current_user, meeting):
        return redirect(_pack_or_meeting(meeting, item_id), code=303)
    if request.method == "POST":
        try:
            service.confirm_confidentiality(current_user, meeting)
        except service.NotVisible:
            abort(404)
        flash("Thank you. You can now open the case summary packs for this meeting.", "success")
        return redirect(_pack_or_meeting(meeting, item_id), code=303)
    return render_template("panels/confidentiality.html", meeting=meeting, item_id=item_id)


def _pack_or_meeting(meeting: PanelMeeting, item_id: int | None) -> str:
    if item_id and any(i.id == item_id for i in meeting.active_items):
        return url_for("panels.view_pack", meeting_id=meeting.id, item_id=item_id)
    return _meeting_url(meeting, "#agenda")


@bp.route("/panels/<int:meeting_id>/items/<int:item_id>")
@access.require("attend_panels")
@audit.viewing("panel_pack_viewed", "a panel's case summary pack")
def view_pack(meeting_id: int, item_id: int):
    item = access.get_agenda_item_or_404(current_user, meeting_id, item_id)
    try:
        level = service.open_pack(current_user, item)
    except service.NotVisible:
        abort(404)
    except service.NeedsConfidentiality:
        return redirect(url_for("panels.confidentiality", meeting_id=meeting_id, item=item_id), code=303)
    case = item.case
    audit.viewed(case, f"meeting #{meeting_id}, item #{item_id}, {level}")
    pack = packs.build_pack(current_user, case, level)
    return render_template("panels/pack.html", item=item, meeting=item.meeting, case=case, level=level,
                           case_link=access.sees_case_record(current_user, case), today=today(), **pack)
