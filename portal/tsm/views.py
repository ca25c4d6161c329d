"""Targeting Support Meetings: the coverage of this term, booking, the meeting page (prepared
from the data) and recording what was agreed, marking it held, and completing an action.
Thin: `access` loads and decides, `service` acts, these views parse and render."""
from __future__ import annotations

from datetime import datetime

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import access, audit, disclosure
from portal.errors import Refused, Saved, reads
from portal.extensions import db
from portal.orgs.models import Organisation, User
from portal.pagecache import render_page
from portal.panels.minutes import redact
from portal.params import int_arg, to_int
from portal.pupils.models import Pupil
from portal.timeutil import LONDON, as_utc, today, utcnow
from portal.tsm import bp, prepare, service
from portal.tsm.forms import BookForm, ItemForm, NotesForm
from portal.tsm.key_group_rows import key_group_rows
from portal.tsm.minutes import pupil_label
from portal.tsm.models import SupportMeeting, TsmItem
from portal.urls import href_format


def _apply(form, exc: Refused) -> None:
    """Put a refusal's problems on the form's fields (else on the form)."""
    for name, message in exc.problems.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [message]
        else:
            form.form_errors.append(message)
    if not exc.problems:
        form.form_errors.append(exc.message)


def _meeting_url(meeting: SupportMeeting, anchor: str = "") -> str:
    return url_for("tsm.view_meeting", tsm_id=meeting.id) + anchor


@reads(SupportMeeting)
def _meeting_as_saved(meeting: SupportMeeting) -> Saved:
    return Saved("meeting", [("Status", meeting.status.label), ("When", service.when_label(meeting)),
                             ("Overall notes", meeting.notes), ("The school's own actions", meeting.school_actions)],
                 _meeting_url(meeting))


@reads(TsmItem)
def _item_as_saved(item: TsmItem) -> Saved:
    return Saved("item", [("Agreed next step", item.next_step.label), ("Owner", item.owner_label),
                          ("Due", item.due_date), ("Status", item.status.label), ("Note", item.note)],
                 _meeting_url(item.meeting, "#items"))


# ----- the list, coverage and booking ---------------------------------------------------------

@bp.route("/support-meetings")
@access.require("attend_tsms")
def list_meetings():
    def build() -> dict:
        meetings = db.session.scalars(access.tsms_for(current_user)
                                      .options(selectinload(SupportMeeting.school), selectinload(SupportMeeting.ewo),
                                               selectinload(SupportMeeting.term))
                                      .order_by(SupportMeeting.held_at.desc(), SupportMeeting.id.desc())).all()
        now = utcnow()
        upcoming = [m for m in reversed(meetings) if as_utc(m.held_at) >= now and not m.held]
        past = [m for m in meetings if m not in upcoming]
        return dict(upcoming=upcoming, past=past, when=service.when_label)

    return render_page("tsm/meetings.html", build)


@bp.route("/support-meetings/coverage")
@access.require("view_tsm_coverage")
def coverage():
    def build() -> dict:
        term = service.current_term()
        schools = db.session.scalars(access.tsm_schools_for(current_user)
                                     .options(selectinload(Organisation.named_ewo)).order_by(Organisation.name)).all()
        statuses = service.coverage(term)
        meetings = service.meetings_in(term) if term is not None else {}
        last = service.last_held_by_school()
        rows = [{"school": s, "status": statuses.get(s.id, service.Coverage.missing), "meeting": meetings.get(s.id),
                 "last": last.get(s.id)} for s in schools]
        totals = {c: sum(1 for r in rows if r["status"] == c) for c in service.Coverage}
        return dict(term=term, rows=rows, totals=totals, when=service.short_when,
                    can_book=access.can(current_user, "book_tsms"))

    return render_page("tsm/coverage.html", build)


def _book_choices(form: BookForm, school: Organisation | None) -> None:
    schools = db.session.scalars(access.tsm_schools_for(current_user).order_by(Organisation.name)).all()
    form.school_id.choices = [("", "Select a school")] + [(str(s.id), s.name) for s in schools]
    ewos = db.session.scalars(access.ewos()).all()
    named = school.named_ewo_id if school else None
    form.ewo_id.choices = [("", "Select an officer")] + [
        (str(u.id), u.name + (" (the school's named EWO)" if u.id == named else "")) for u in ewos]
    staff = db.session.scalars(access.school_staff(school.id if school else None)
                               .join(Organisation, Organisation.id == User.organisation_id)
                               .order_by(Organisation.name, User.name)).all()
    form.school_lead_id.choices = [("", "Not named yet")] + [
        (str(u.id), u.name if school else f"{u.name} ({u.organisation.name})") for u in staff]
    partners = db.session.scalars(select(Organisation).where(Organisation.kind.in_(service.PARTNER_KINDS),
                                                             Organisation.active.is_(True))
                                  .order_by(Organisation.name)).all()
    form.partners.choices = [(str(o.id), o.name) for o in partners]


@bp.route("/support-meetings/new", methods=["GET", "POST"])
@access.require("book_tsms")
def new_meeting():
    form = BookForm()
    chosen = to_int(form.school_id.data) if form.is_submitted() else int_arg("school")
    school = db.session.scalar(access.tsm_schools_for(current_user).where(Organisation.id == chosen)) \
        if chosen else None
    _book_choices(form, school)
    if not form.is_submitted() and school is not None:
        form.school_id.data = str(school.id)
        form.ewo_id.data = str(school.named_ewo_id or "")
    if form.validate_on_submit():
        ewo = db.session.scalar(access.ewos().where(User.id == to_int(form.ewo_id.data)))
        lead = db.session.get(User, to_int(form.school_lead_id.data)) if to_int(form.school_lead_id.data) else None
        partner_ids = [to_int(v) for v in form.partners.data or []]
        partners = list(db.session.scalars(select(Organisation).where(Organisation.id.in_(
            [i for i in partner_ids if i is not None])))) if partner_ids else []
        if school is None:
            form.school_id.errors = list(form.school_id.errors) + ["Select the school"]
        else:
            held_at = datetime.strptime(f"{form.day.data} {form.start.data}", "%Y-%m-%d %H:%M").replace(tzinfo=LONDON)
            try:
                meeting = service.book(current_user, school, held_at, ewo=ewo, school_lead=lead, partners=partners,
                                       place=form.place.data or "")
            except Refused as exc:
                db.session.rollback()
                _apply(form, exc)
            else:
                flash("The Targeting Support Meeting has been booked; the EWO, the school's lead and the "
                      "invited partners have been told.", "success")
                return redirect(_meeting_url(meeting), code=303)
    return render_template("tsm/new.html", form=form), (422 if form.is_submitted() else 200)


# ----- the meeting page -----------------------------------------------------------------------

def _item_rows(meeting: SupportMeeting, items: list[TsmItem], names: bool) -> list[dict]:
    cohorts = prepare.cohort_choices()
    return [{"item": i, "subject": cohorts.get(i.cohort or "", i.cohort) if i.pupil_id is None
             else pupil_label(i.pupil, names),
             # a partner reads a pupil's item with the child's (and family's) names taken out
             "note": i.note if names or i.pupil_id is None else redact(i.note, i.pupil)} for i in items]


def _meeting_context(meeting: SupportMeeting, **extra) -> dict:
    user = current_user
    names = access.sees_tsm_pupils(user, meeting)
    runs = access.can_run_tsm(user, meeting)
    groups = prepare.key_groups(user, meeting.school_id, with_pupils=names)
    exact = access.can(user, "view_exact_figures")
    counts = {g.key: (g.count if names else disclosure.count(g.count, exact=exact)) for g in groups}
    items = access.tsm_items_for(user, meeting)
    previous = service.previous_meeting(meeting)
    previous_items = access.tsm_items_for(user, previous) if previous is not None else []
    notes_form = extra.pop("notes_form", None)
    if notes_form is None and runs and not meeting.held:
        notes_form = NotesForm(formdata=None, obj=meeting)
        notes_form.version.data = meeting.version
    return {"meeting": meeting, "names": names, "runs": runs, "groups": groups, "counts": counts,
            "figures": prepare.school_figures(user, meeting),
            "items": _item_rows(meeting, items, names), "previous": previous,
            "previous_items": _item_rows(previous, previous_items, names) if previous else [],
            "notes_form": notes_form, "partners": [p.organisation for p in meeting.partners],
            "when": service.when_label, "day": service.meeting_day(meeting), "today": today(),
            "may_refer": access.can(user, "refer"),
            # the links of every listed pupil: url_for once, the id formatted in (a page lists ~100)
            "pupil_href": href_format("pupils.view", "pupil_id"),
            "record_href": href_format("tsm.new_item", "pupil", tsm_id=meeting.id), "key_group_rows": key_group_rows,
            **extra}


@bp.route("/support-meetings/<int:tsm_id>")
@access.require("attend_tsms")
@audit.viewing("tsm_viewed", "a Targeting Support Meeting", ("SupportMeeting", "tsm_id"))
def view_meeting(tsm_id: int):
    meeting = access.get_tsm_or_404(current_user, tsm_id)
    return render_page("tsm/meeting.html", lambda: _meeting_context(meeting))


@bp.route("/support-meetings/<int:tsm_id>/notes", methods=["POST"])
@access.require("run_tsms")
@audit.viewing("tsm_viewed", "a Targeting Support Meeting", ("SupportMeeting", "tsm_id"))
def save_notes(tsm_id: int):
    meeting = access.get_tsm_or_404(current_user, tsm_id, need="run")
    form = NotesForm()
    if form.validate():
        try:
            service.save_notes(current_user, meeting, form.notes.data or "", form.school_actions.data or "",
                               form.version.data)
        except Refused as exc:
            _apply(form, exc)
        else:
            flash("The notes have been saved.", "success")
            return redirect(_meeting_url(meeting, "#overall-notes"), code=303)
    return render_template("tsm/meeting.html", **_meeting_context(meeting, notes_form=form)), 422


@bp.route("/support-meetings/<int:tsm_id>/held", methods=["POST"])
@access.require("run_tsms")
def mark_held(tsm_id: int):
    meeting = access.get_tsm_or_404(current_user, tsm_id, need="run")
    try:
        service.mark_held(current_user, meeting, to_int(request.form.get("version")))
    except Refused as exc:
        db.session.rollback()
        flash(exc.message, "important")
        return redirect(_meeting_url(meeting), code=303)
    flash("The meeting is marked as held: its minutes are final; the agreed actions stay in their owners' "
          "My actions.", "success")
    return redirect(_meeting_url(meeting), code=303)


# ----- recording an item ----------------------------------------------------------------------

def _owner_choices(meeting: SupportMeeting) -> list[tuple[str, str]]:
    """A person (the EWO, the school's staff) or an organisation (the school, the EWO's
    service, the invited partners)."""
    staff = db.session.scalars(select(User).where(User.organisation_id == meeting.school_id,
                                                  User.active.is_(True)).order_by(User.name)).all()
    people = [meeting.ewo] + [u for u in staff if u.id != meeting.ewo_id]
    orgs = [meeting.school, meeting.ewo.organisation] + [p.organisation for p in meeting.partners]
    return ([("", "Select an owner")] + [(f"user:{u.id}", f"{u.name} ({u.organisation.name})") for u in people]
            + [(f"org:{o.id}", o.name) for o in {o.id: o for o in orgs}.values()])


def _pupil_choices(meeting: SupportMeeting, also: int | None) -> list[tuple[str, str]]:
    groups = prepare.key_groups(current_user, meeting.school_id)
    pupils = {gp.pupil.id: gp.pupil for g in groups for gp in g.pupils}
    if also is not None and also not in pupils:
        extra = db.session.scalar(select(Pupil).where(Pupil.id == also, Pupil.school_id == meeting.school_id))
        if extra is not None:
            pupils[extra.id] = extra
    ordered = sorted(pupils.values(), key=lambda p: (p.legal_surname, p.legal_forename, p.id))
    return [("", "No pupil: a cohort")] + [(str(p.id), f"{p.display_name} ({p.year_label})") for p in ordered]


def _item_form(meeting: SupportMeeting, item: TsmItem | None) -> ItemForm:
    form = ItemForm(obj=item if item is not None and request.method == "GET" else None)
    wanted = to_int(form.pupil_id.data) if request.method == "POST" else (
        item.pupil_id if item is not None else int_arg("pupil"))
    form.pupil_id.choices = _pupil_choices(meeting, wanted)
    form.cohort.choices = [("", "No cohort: a pupil")] + list(prepare.cohort_choices().items())
    form.owner.choices = _owner_choices(meeting)
    if request.method == "GET":
        if item is None:
            form.pupil_id.data = str(wanted or "")
            cohort = request.args.get("cohort", "")
            form.cohort.data = cohort if cohort in prepare.cohort_choices() else ""
        else:
            form.pupil_id.data = str(item.pupil_id or "")
            form.cohort.data = item.cohort or ""
            form.owner.data = (f"user:{item.owner_user_id}" if item.owner_user_id
                               else f"org:{item.owner_org_id}" if item.owner_org_id else "")
            form.version.data = item.version
    return form


def _item_data(form: ItemForm, meeting: SupportMeeting) -> dict:
    kind, _, raw = (form.owner.data or "").partition(":")
    allowed = {value for value, _ in _owner_choices(meeting) if value}
    owner = form.owner.data if form.owner.data in allowed else ""
    return {"pupil_id": to_int(form.pupil_id.data), "cohort": form.cohort.data or None,
            "discussed": bool(form.discussed.data), "next_step": form.next_step.data,
            "owner_user_id": to_int(raw) if owner and kind == "user" else None,
            "owner_org_id": to_int(raw) if owner and kind == "org" else None,
            "due_date": form.due_date.data, "note": form.note.data or ""}


def _save_item(meeting: SupportMeeting, item: TsmItem | None):
    form = _item_form(meeting, item)
    if request.method == "POST" and form.validate():
        try:
            cohorts = prepare.cohort_choices()
            if item is None:
                service.record_item(current_user, meeting, _item_data(form, meeting), cohorts)
            else:
                service.update_item(current_user, item, _item_data(form, meeting), cohorts, form.version.data)
        except Refused as exc:
            _apply(form, exc)
        else:
            flash("The item has been recorded." if item is None else "The item has been changed.", "success")
            return redirect(_meeting_url(meeting, "#items"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("tsm/item_form.html", form=form, meeting=meeting, item=item), status


@bp.route("/support-meetings/<int:tsm_id>/items/new", methods=["GET", "POST"])
@access.require("run_tsms")
@audit.viewing("tsm_item_form_viewed", "the item form of a Targeting Support Meeting", ("SupportMeeting", "tsm_id"))
def new_item(tsm_id: int):
    meeting = access.get_tsm_or_404(current_user, tsm_id, need="run")
    if meeting.held:
        flash("The meeting is marked as held: its record is closed.", "important")
        return redirect(_meeting_url(meeting), code=303)
    return _save_item(meeting, None)


@bp.route("/support-meetings/<int:tsm_id>/items/<int:tsm_item_id>/edit", methods=["GET", "POST"])
@access.require("run_tsms")
@audit.viewing("tsm_item_form_viewed", "the item form of a Targeting Support Meeting", ("SupportMeeting", "tsm_id"))
def edit_item(tsm_id: int, tsm_item_id: int):
    meeting = access.get_tsm_or_404(current_user, tsm_id, need="run")
    item = access.get_tsm_item_or_404(current_user, meeting, tsm_item_id)
    return _save_item(meeting, item)


# ----- an action done -------------------------------------------------------------------------

@bp.route("/support-actions/<int:tsm_item_id>/done", methods=["POST"])
@access.require("attend_tsms")
def complete_action(tsm_item_id: int):
    item = access.get_tsm_action_or_404(current_user, tsm_item_id, need="complete")
    back = url_for("cases.my_actions") if request.form.get("back") == "actions" else _meeting_url(item.meeting,
                                                                                                   "#items")
    try:
        service.complete_action(current_user, item, to_int(request.form.get("version")))
    except Refused as exc:
        db.session.rollback()
        flash(exc.message, "important")
        return redirect(back, code=303)
    flash("The action is marked as done.", "success")
    return redirect(back, code=303)
