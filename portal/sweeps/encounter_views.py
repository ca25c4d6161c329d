"""Encounters: the fast form used on the street, the encounter page, and matching."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal import access, audit
from portal.ehe import service as ehe
from portal.errors import Refused, Saved, reads
from portal.extensions import db
from portal.orgs.models import Organisation, OrgKind
from portal.pagination import page_links, paginate
from portal.params import to_int
from portal.pupils.models import Pupil
from portal.sweeps import bp, match_search, service
from portal.sweeps.forms import EncounterForm, MatchForm, MatchSearchForm, UndoMatchForm
from portal.sweeps.match_search import MatchSearch
from portal.sweeps.models import LABELS, MATCH_STATES, SCHOOL_STATUSES, Encounter, FollowUp, MatchStatus
from portal.timeutil import LONDON, as_utc

FIELD_FOR = {"school_status": "school", "school_id": "school"}
SEARCH_FIELD_FOR = {"date_of_birth": "born"}


def _school_choices():
    schools = db.session.scalars(select(Organisation).where(Organisation.kind == OrgKind.school,
                                                            Organisation.active.is_(True))
                                 .order_by(Organisation.name)).all()
    return ([("", "Select the school, or what the child said")] + [(f"school:{s.id}", s.name) for s in schools]
            + [(k, label) for k, label in SCHOOL_STATUSES if k != "school"])


def _encounter_form(sweep, formdata=None) -> EncounterForm:
    form = EncounterForm(formdata=formdata) if formdata is not None else EncounterForm()
    form.officer_id.choices = [(str(u.id), u.name) for u in service.sweep_people(sweep)]
    form.school.choices = _school_choices()
    return form


def _data(form: EncounterForm) -> dict:
    school = form.school.data or ""
    status, school_id = (("school", to_int(school.split(":", 1)[1])) if school.startswith("school:")
                         and to_int(school.split(":", 1)[1]) is not None else (school, None))
    return {
        "seen_time": form.seen_time.data, "location": form.location.data or "",
        "officer_id": to_int(form.officer_id.data),
        "forename": form.forename.data or "", "surname": form.surname.data or "",
        "date_of_birth": form.date_of_birth.data, "age": form.age.data,
        "school_status": status, "school_id": school_id, "school_given": form.school_given.data or "",
        "exclusion": form.exclusion.data, "accompanied": form.accompanied.data, "reason": form.reason.data or "",
        "reason_accepted": form.reason_accepted.data == "yes", "outcome": form.outcome.data,
        "outcome_note": form.outcome_note.data or "", "concern": bool(form.concern.data),
        "concern_note": form.concern_note.data or "",
    }


@bp.route("/sweeps/<int:sweep_id>/encounters/new", methods=["GET", "POST"])
@access.require("record_sweeps")
def new_encounter(sweep_id: int):
    sweep = access.get_sweep_or_404(current_user, sweep_id, need="record")
    form = _encounter_form(sweep)
    if request.method == "GET":
        defaults = service.previous_defaults(current_user, sweep)
        form.location.data = defaults["location"]
        form.officer_id.data = str(defaults["officer_id"])
        form.seen_time.data = service.default_seen_time(sweep)
    elif form.validate():
        try:
            encounter = service.record_encounter(current_user, sweep, _data(form))
        except Refused as exc:
            db.session.rollback()
            for field, message in exc.problems.items():
                target = getattr(form, FIELD_FOR.get(field, field))
                if message not in target.errors:
                    target.errors.append(message)
        else:
            flash(f"Encounter recorded: {encounter.child_name} at {encounter.location}.",
                  "success")
            warning = service.outside_window_warning(sweep, form.seen_time.data)
            if warning:
                flash(f"{encounter.child_name}: {warning}", "warning_text")
            if encounter.concern:
                flash("You recorded a safeguarding concern: follow your own safeguarding procedure now as well.",
                      "warning")
            return redirect(url_for("sweeps.new_encounter", sweep_id=sweep.id), code=303)
    recorded = db.session.scalar(select(func.count()).select_from(Encounter).where(
        Encounter.sweep_id == sweep.id, Encounter.recorded_by_id == current_user.id))
    time_warning = (service.outside_window_warning(sweep, form.seen_time.data)
                    if form.is_submitted() and form.seen_time.data and not form.seen_time.errors else None)
    return render_template("sweeps/encounter_form.html", sweep=sweep, form=form, recorded=recorded,
                           time_warning=time_warning), \
        (422 if form.is_submitted() else 200)


@reads(Encounter)
def _encounter_as_saved(encounter: Encounter) -> Saved:
    return Saved("encounter", [("Match", LABELS["match_status"][encounter.match_status]),
                               ("By", encounter.matched_by.name if encounter.matched_by else None)],
                 url_for("sweeps.view_encounter", encounter_id=encounter.id))


@bp.route("/encounters/<int:encounter_id>")
@access.require("view_sweeps")
@audit.viewing("encounter_viewed", "a child met on a sweep", ("Encounter", "encounter_id"))
def view_encounter(encounter_id: int):
    encounter = access.get_encounter_or_404(current_user, encounter_id)
    view = access.encounter_view(current_user)
    shared_case = None
    if encounter.pupil_id is not None and view == "police":
        shared_case = access.visible_open_case(current_user, encounter.pupil_id)
    follow_up = encounter.follow_up
    can_follow = follow_up is not None and db.session.scalar(
        access.followups_for(current_user).where(FollowUp.id == follow_up.id)
        .with_only_columns(FollowUp.id)) is not None
    seen = as_utc(encounter.seen_at).astimezone(LONDON).time()
    return render_template("sweeps/encounter.html", encounter=encounter, view=view, labels=LABELS,
                           time_warning=service.outside_window_warning(encounter.sweep, seen),
                           shared_case=shared_case, follow_up=follow_up, can_follow=bool(can_follow),
                           can_match=access.can(current_user, "match_encounters"),
                           can_see_pupil=access.can(current_user, "view_pupils"),
                           ehe_since=ehe.known_child_since(encounter.forename, encounter.surname,
                                                           encounter.date_of_birth, encounter.pupil_id))


@bp.route("/encounters")
@access.require("match_encounters")
@audit.viewing("encounter_list_viewed", "a list of children met on sweeps", terms=("status", "page"))
def list_encounters():
    status = request.args.get("status", "unmatched")
    stmt = (access.encounters_for(current_user)
            .options(selectinload(Encounter.sweep), selectinload(Encounter.school),
                     selectinload(Encounter.pupil).selectinload(Pupil.school)))
    if (state := MatchStatus.get(status)) is not None:
        stmt = stmt.where(Encounter.match_status == state)
    stmt = stmt.order_by(Encounter.seen_at.desc(), Encounter.id.desc())
    page = paginate(stmt)
    return render_template("sweeps/encounters.html", page=page, pages=page_links(page), status=status,
                           states=MATCH_STATES, labels=LABELS)


def _search(form: MatchSearchForm) -> tuple[MatchSearch | None, list[tuple[str, str]]]:
    """The search typed on the match page (None when there is none) and why it is refused."""
    if not form.searched():
        return None, []
    form.validate()
    problems = [(name, message) for name, errors in form.errors.items() for message in errors]
    age = to_int(form.age.data, min=0, max=999) if form.age.data else None
    if form.age.data and age is None:
        problems.append(("age", "Enter the age as a number, like 12"))
    search = MatchSearch(form.name.data or "", form.born.data, age)
    for field, message in match_search.problems(search):
        field = SEARCH_FIELD_FOR.get(field, field)
        if field not in {f for f, _ in problems}:
            problems.append((field, message))
    return search, problems


@bp.route("/encounters/<int:encounter_id>/match", methods=["GET", "POST"])
@access.require("match_encounters")
@audit.viewing("encounter_match_search", "pupils suggested to match a child met on a sweep",
               ("Encounter", "encounter_id"))
def match_encounter(encounter_id: int):
    """Suggestions borough-wide, and a search limited to a name with a date of birth or an
    age; each time the page is shown (suggestions are pupils' details) it is audited with the
    search terms, or "suggestions only" (the terms are put in words here: the date of birth
    comes in three parts). A match to a pupil of a school the EWO does not serve tells them
    only that school."""
    encounter = access.get_encounter_or_404(current_user, encounter_id, need="match")
    if encounter.match_status == MatchStatus.matched:
        flash("This child has already been matched to a pupil.", "info")
        return redirect(url_for("sweeps.view_encounter", encounter_id=encounter.id), code=303)
    search_form = MatchSearchForm(formdata=request.values)
    search, search_problems = _search(search_form)
    suggestions = service.suggestions(encounter, None if search_problems else search)
    form = MatchForm()
    form.choice.choices = [(f"pupil:{p.id}", p.display_name) for _, p in suggestions] + [("no_match", "No match")]
    if request.method == "GET":
        form.version.data = encounter.version
    elif form.validate():
        if form.choice.data == "no_match":
            service.mark_not_on_roll(current_user, encounter, form.version.data, form.note.data or "")
            flash(f"{encounter.child_name} has been listed as not on roll: a possible child missing education.",
                  "success")
        else:
            pupil = next(p for _, p in suggestions if f"pupil:{p.id}" == form.choice.data)
            follow_up = service.confirm_match(current_user, encounter, pupil, form.version.data,
                                              form.note.data or "")
            if access.can(current_user, "see_matched_pupil", encounter):
                flash(f"{encounter.child_name} has been matched to {pupil.display_name} ({pupil.school.name}). "
                      f"The school's follow-up is due by {follow_up.due_on.strftime('%-d %b %Y')}.", "success")
            else:
                flash(f"{encounter.child_name} has been matched to a pupil of {pupil.school.name}. The school "
                      "and its education welfare officer have been told and follow it up.", "success")
        return redirect(url_for("sweeps.list_encounters"), code=303)
    for field, message in search_problems:
        target = getattr(search_form, field)
        if message not in target.errors:
            target.errors = list(target.errors) + [message]
    audit.viewed(detail=(search.terms() + (" (refused)" if search_problems else "")) if search
                 else "suggestions only")
    status = 422 if (form.is_submitted() or search_problems) else 200
    return render_template("sweeps/match.html", encounter=encounter, form=form, search_form=search_form,
                           searched=search is not None and not search_problems, suggestions=suggestions,
                           labels=LABELS, extra_errors=[(f"#{f}", m) for f, m in search_problems],
                           ehe_since=ehe.known_child_since(encounter.forename, encounter.surname,
                                                           encounter.date_of_birth),
                           ehe_pupils=ehe.known_since(p.id for _, p in suggestions)), status


@bp.route("/encounters/<int:encounter_id>/undo-match", methods=["GET", "POST"])
@access.require("match_encounters")
@audit.viewing("encounter_undo_form_viewed", "the form to undo a sweep match", ("Encounter", "encounter_id"))
def undo_match(encounter_id: int):
    """An EWO (or the LA) undoes a wrong match, or a wrong "not on roll", with a reason."""
    encounter = access.get_encounter_or_404(current_user, encounter_id, need="match")
    if encounter.match_status == MatchStatus.unmatched:
        flash("This child is not matched: there is nothing to undo.", "info")
        return redirect(url_for("sweeps.view_encounter", encounter_id=encounter.id), code=303)
    form = UndoMatchForm()
    if request.method == "GET":
        form.version.data = encounter.version
    elif form.validate():
        try:
            follow_up = service.undo_match(current_user, encounter, form.version.data, form.reason.data or "")
        except Refused as exc:
            db.session.rollback()
            for field, message in exc.problems.items():
                getattr(form, field).errors.append(message)
        else:
            flash(f"The match of {encounter.child_name} has been undone: the child is waiting for a match again."
                  + (" The follow-up has been cancelled and the school told." if follow_up is not None else ""),
                  "success")
            return redirect(url_for("sweeps.match_encounter", encounter_id=encounter.id), code=303)
    return render_template("sweeps/undo_match.html", encounter=encounter, form=form, labels=LABELS), \
        (422 if form.is_submitted() else 200)
