"""Running the meeting (the chair or an LA admin): attendance and apologies, then the agenda
item by item, each recorded as the panel's decision with its agreed actions. With htmx the
chair moves item to item without page reloads; without it every form posts and redirects."""
from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import access, audit
from portal.cases import service as cases_service
from portal.cases.models import Action, Case
from portal.errors import Refused
from portal.extensions import db
from portal.forms import shows_errors
from portal.orgs.models import Organisation, User
from portal.pagecache import htmx, render_page
from portal.panels import bp, service
from portal.panels.decisions import check_decision
from portal.panels.models import DECISIONS, AgendaItem, MeetingStatus, PanelDecision, PanelMeeting, PanelMember
from portal.panels.rules import has_started, start_label
from portal.params import int_arg, read_date_boxes, to_int
from portal.urls import link_parts

ACTION_ROWS = 3
MARKS = (("present", "Present"), ("apologies", "Apologies"), ("absent", "Absent"))


def _running_meeting(meeting_id: int) -> PanelMeeting:
    return access.get_meeting_or_404(current_user, meeting_id, need="manage")


def _run_url(meeting: PanelMeeting, item: AgendaItem | None = None) -> str:
    return url_for("panels.run_meeting", meeting_id=meeting.id, item=item.id if item else None)


def _item_href(meeting: PanelMeeting) -> tuple[str, str]:
    """The agenda's links to its items (`_run_url`), with one url_for."""
    return link_parts("panels.run_meeting", "item", meeting_id=meeting.id)


def _items(meeting: PanelMeeting) -> list[AgendaItem]:
    return list(db.session.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id, AgendaItem.removed_at.is_(None))
        .options(joinedload(AgendaItem.case).joinedload(Case.pupil),
                 joinedload(AgendaItem.decision).selectinload(PanelDecision.actions)
                 .selectinload(Action.owner_user),
                 joinedload(AgendaItem.decision).selectinload(PanelDecision.actions)
                 .selectinload(Action.owner_org))
        .order_by(AgendaItem.position, AgendaItem.id)).all())


def _current(items: list[AgendaItem], item_id: int | None) -> AgendaItem | None:
    chosen = next((i for i in items if i.id == item_id), None)
    return chosen or next((i for i in items if i.decision is None), None) or (items[0] if items else None)


def _item_context(meeting: PanelMeeting, item: AgendaItem | None, items: list[AgendaItem], **extra) -> dict:
    index = items.index(item) if item in items else -1
    context: dict = dict(meeting=meeting, item=item, items=items, decisions=DECISIONS, action_rows=range(ACTION_ROWS),
                   previous=items[index - 1] if index > 0 else None,
                   following=items[index + 1] if 0 <= index < len(items) - 1 else None,
                   number=index + 1,
                   owners=(cases_service.action_owner_choices_of(item.case_id)
                           if item is not None and item.decision is None else []),
                   values={}, problems=[], started=has_started(meeting), starts=start_label(meeting))
    context.update(extra)
    return context


def _page(meeting: PanelMeeting, item: AgendaItem | None, items: list[AgendaItem], status: int = 200, **extra):
    return render_template("panels/run.html", **_page_context(meeting, item, items, **extra)), status


def _page_context(meeting: PanelMeeting, item: AgendaItem | None, items: list[AgendaItem], **extra) -> dict:
    members = db.session.scalars(select(PanelMember).where(PanelMember.meeting_id == meeting.id)
                                 .options(joinedload(PanelMember.user), joinedload(PanelMember.organisation))
                                 .order_by(PanelMember.id)).all()
    context = _item_context(meeting, item, items, **extra)
    shows_errors(context["problems"] or extra.get("attendance_problem") or extra.get("attendee_problems"))
    context.update(members=members, marks=MARKS, agencies=_agencies(), item_href=_item_href(meeting),
                   attendee=extra.get("attendee") or {}, attendee_problems=extra.get("attendee_problems") or {})
    return context


def _agencies() -> list:
    """The agencies someone may have come for: (id, name) rows."""
    return list(db.session.execute(select(Organisation.id, Organisation.name).where(Organisation.active.is_(True))
                                   .order_by(Organisation.kind, Organisation.name)))


def _fragment(meeting: PanelMeeting, item: AgendaItem | None, items: list[AgendaItem], status: int = 200,
              headers: dict | None = None, **extra):
    return render_template("panels/_run_item.html", **_item_context(meeting, item, items, **extra)), status, \
        {"Vary": "HX-Request", **(headers or {})}


def _not_running(meeting: PanelMeeting):
    flash("Publish the agenda before running the meeting.", "important")
    return redirect(url_for("panels.view_meeting", meeting_id=meeting.id), code=303)


@bp.route("/panels/<int:meeting_id>/run")
@access.require("run_panels")
@audit.viewing("panel_run_viewed", "the screen that runs a panel meeting", ("PanelMeeting", "meeting_id"),
               terms=("item",))
def run_meeting(meeting_id: int):
    meeting = _running_meeting(meeting_id)
    if meeting.status == MeetingStatus.scheduled:
        return _not_running(meeting)
    item_id = int_arg("item")
    partial = htmx and not htmx.history_restore_request
    if partial and htmx.target == "run-item":
        items = _items(meeting)
        return _fragment(meeting, _current(items, item_id), items)
    if partial and htmx.target == "run-agenda":
        return render_template("panels/_run_agenda.html", meeting=meeting, items=_items(meeting),
                               item_href=_item_href(meeting)), 200, {"Vary": "HX-Request"}

    def context() -> dict:  # the agenda is read only when the page is rendered, not for a kept one
        items = _items(meeting)
        return _page_context(meeting, _current(items, item_id), items)

    return render_page("panels/run.html", context)


@bp.route("/panels/<int:meeting_id>/attendance", methods=["POST"])
@access.require("run_panels")
def record_attendance(meeting_id: int):
    meeting = _running_meeting(meeting_id)
    marks = {}
    for key, value in request.form.items():
        member_id = to_int(key[7:]) if key.startswith("member-") else None
        if member_id is not None and value:
            marks[member_id] = value
    try:
        service.record_attendance(current_user, meeting, marks)
    except Refused as exc:
        db.session.rollback()
        reloaded = db.session.get(PanelMeeting, meeting_id)
        assert reloaded is not None  # _running_meeting found it; a rollback does not remove it
        items = _items(reloaded)
        return _page(reloaded, _current(items, None), items, 422, attendance_problem=exc.message)
    flash("Attendance and apologies have been recorded.", "success")
    return redirect(url_for("panels.run_meeting", meeting_id=meeting_id) + "#attendance", code=303)


def _read_date(values: dict, problems: list[tuple[str, str]], key: str, subject: str) -> date | None:
    """A GOV.UK date input of the decision form: its boxes kept in `values` to show again, a
    problem of format (naming the boxes at fault) in `problems`; the date, or None."""
    typed, when, message, bad = read_date_boxes(request.form.getlist(key), subject)
    values[key] = typed
    if message:
        problems.append((key, message))
        values.setdefault("_bad", {})[key] = sorted(bad, key=("day", "month", "year").index)
    return when


def _parse_decision(case: Case) -> tuple[dict, list[tuple[str, str]], list[dict], list[int], date | None]:
    """The posted values (to show again), problems of format, the actions, their row numbers and
    the next review."""
    form = request.form
    values: dict = {k: form.get(k, "") for k in ["decision", "rationale"]
                    + [f"actions-{n}-{f}" for n in range(ACTION_ROWS) for f in ("description", "owner")]}
    problems: list[tuple[str, str]] = []
    next_review = _read_date(values, problems, "next_review", "The next review")
    owners = {value for value, _ in cases_service.action_owner_choices(case)}
    actions, rows = [], []
    for n in range(ACTION_ROWS):
        description, owner = (values[f"actions-{n}-{f}"].strip() for f in ("description", "owner"))
        due = _read_date(values, problems, f"actions-{n}-due", f"The due date of action {n + 1}")
        if not (description or owner or any(values[f"actions-{n}-due"])):
            continue  # a blank row
        spec: dict[str, object] = {"description": description, "owner_user": None, "owner_org": None}
        if owner in owners:
            kind, _, ident = owner.partition(":")
            if kind == "user":
                spec["owner_user"] = db.session.get(User, int(ident))
            else:
                spec["owner_org"] = db.session.get(Organisation, int(ident))
        spec["due"] = due
        actions.append(spec)
        rows.append(n)
    return values, problems, actions, rows, next_review


def _merge(format_problems, refused_problems, rows) -> list[tuple[str, str]]:
    """The service numbers actions 0..k among the rows filled in: give them back their row."""
    merged = list(format_problems)
    taken = {key for key, _ in format_problems}
    for key, message in refused_problems.items():
        if key.startswith("actions-"):
            _, k, field = key.split("-", 2)
            key = f"actions-{rows[int(k)]}-{field}"
        if key not in taken:
            merged.append((key, message))
    return merged


@bp.route("/panels/<int:meeting_id>/items/<int:item_id>/decision", methods=["POST"])
@access.require("run_panels")
def record_decision(meeting_id: int, item_id: int):
    item = access.get_agenda_item_or_404(current_user, meeting_id, item_id, need="manage")
    meeting = item.meeting
    values, format_problems, actions, rows, next_review = _parse_decision(item.case)
    decision, rationale = values["decision"], values["rationale"]
    try:
        if format_problems:
            try:
                check_decision(item, decision, rationale, next_review, actions)
            except Refused as exc:
                if not exc.problems:
                    raise
                raise Refused(exc.message, _merge(format_problems, exc.problems, rows)) from None
            raise Refused("Check the dates", format_problems)
        service.record_decision(current_user, item, decision, rationale, next_review, actions)
    except Refused as exc:
        problems = _merge([], exc.problems, rows) if not format_problems else list(exc.problems.items())
        return _after_refusal(meeting_id, item_id, 422, values, problems=problems or [("", exc.message)])
    meeting = db.session.get(PanelMeeting, meeting_id)
    assert meeting is not None  # the meeting of the agenda item found above
    items = _items(meeting)
    done = next(i for i in items if i.id == item_id)
    position = items.index(done)
    following = next((i for i in items[position + 1:] + items[:position] if i.decision is None), done)
    message = f"The decision on {done.case.pupil.display_name} has been recorded."
    if htmx:
        return _fragment(meeting, following, items, done=message,
                         headers={"HX-Push-Url": _run_url(meeting, following), "HX-Trigger": "decisionRecorded"})
    flash(message, "success")
    return redirect(_run_url(meeting, following), code=303)


def _after_refusal(meeting_id: int, item_id: int, status: int, values: dict, problems=()):
    db.session.rollback()
    meeting = db.session.get(PanelMeeting, meeting_id)
    assert meeting is not None  # callers have loaded it through access; a rollback does not remove it
    items = _items(meeting)
    item = next((i for i in items if i.id == item_id), None)
    if item is None:  # removed from the agenda meanwhile
        item = _current(items, None)
    if htmx:
        return _fragment(meeting, item, items, status, values=values, problems=list(problems))
    return _page(meeting, item, items, status, values=values, problems=list(problems))


@bp.route("/panels/<int:meeting_id>/attendees", methods=["POST"])
@access.require("run_panels")
def add_attendee(meeting_id: int):
    """A person who came (or sent apologies) for an agency, by name."""
    meeting = _running_meeting(meeting_id)
    typed = {"name": request.form.get("name", "")[:300], "organisation_id": request.form.get("organisation_id", ""),
             "mark": request.form.get("mark", "")}
    org_id = to_int(typed["organisation_id"])
    organisation = db.session.get(Organisation, org_id) if org_id is not None else None
    try:
        member = service.add_attendee(current_user, meeting, typed["name"], organisation, typed["mark"])
    except Refused as exc:
        db.session.rollback()
        reloaded = db.session.get(PanelMeeting, meeting_id)
        assert reloaded is not None  # _running_meeting found it; a rollback does not remove it
        items = _items(reloaded)
        problems = dict(exc.problems) or {"name": exc.message}
        return _page(reloaded, _current(items, None), items, 422, attendee=typed, attendee_problems=problems)
    flash(f"{member.label} has been recorded as {'present' if member.present else 'sending apologies'}.", "success")
    return redirect(url_for("panels.run_meeting", meeting_id=meeting_id) + "#attendance", code=303)
