"""Letter use cases: the templates (kept by LA admins, each save a new version), drafting one
letter per liable parent, marking a letter sent (its PDF frozen, a case document and a
chronology line when there is a case) and discarding a draft. Each flushes its change with its
audit entry into the caller's transaction (the request commits)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from datetime import date

from sqlalchemy import func, select

from portal import audit
from portal.cases import documents
from portal.cases.models import Case
from portal.cases.service import open_case_for
from portal.concurrency import check_version, conflict_on_stale
from portal.concurrency import flush_or_conflict as _flush
from portal.errors import Refused
from portal.extensions import db
from portal.letters import fields as letter_fields
from portal.letters.defaults import DEFAULT_TEMPLATES
from portal.letters.merge import MAX_SUBJECT, TemplateProblem, check, extra_used, merge
from portal.letters.models import Audience, Letter, LetterStatus, LetterTemplate, LetterTemplateVersion
from portal.letters.pdf import LetterPage, render_pdf
from portal.orgs.models import User
from portal.pupils.models import Contact, Pupil
from portal.timeutil import LONDON, as_utc, today, utcnow

MAX_PERIOD_DAYS = 400
NOTICE_WORDS = {"nti": "a notice to improve", "penalty": "a penalty notice"}


# ----- templates -------------------------------------------------------------------------------

def ensure_default_templates() -> int:
    """The portal's default templates, each added once (by key) when missing: idempotent, and a
    template an admin retired stays retired."""
    known = set(db.session.scalars(select(LetterTemplate.key)))
    added = 0
    for key, name, audience, penalty, subject, body in DEFAULT_TEMPLATES:
        if key in known or db.session.scalar(select(LetterTemplate.id).where(LetterTemplate.name == name)):
            continue
        template = LetterTemplate(key=key, name=name, audience=audience, penalty_detail=penalty)
        template.versions.append(LetterTemplateVersion(number=1, subject=subject, body=body, author_id=None))
        db.session.add(template)
        db.session.flush()
        audit.record(None, "letter_template_added", template, summary=f"default template {key}",
                     actor_label="portal")
        added += 1
    if added:
        db.session.flush()
    return added


def templates(audience: Audience | None = None, *, retired: bool = False) -> list[LetterTemplate]:
    stmt = select(LetterTemplate).order_by(LetterTemplate.audience, LetterTemplate.name)
    if audience is not None:
        stmt = stmt.where(LetterTemplate.audience == audience)
    if not retired:
        stmt = stmt.where(LetterTemplate.retired_at.is_(None))
    return list(db.session.scalars(stmt))


def _check_text(subject: str, body: str) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not subject:
        problems["subject"] = "Enter the letter's heading"
    elif len(subject) > MAX_SUBJECT:
        problems["subject"] = f"The heading must be {MAX_SUBJECT} characters or fewer"
    else:
        try:
            check(subject)
        except TemplateProblem as exc:
            problems["subject"] = f"The heading: {exc.message}"
    try:
        check(body)
    except TemplateProblem as exc:
        problems["body"] = exc.message
    return problems


def _key_for(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")[:50] or "letter"
    key, n = base, 2
    while db.session.scalar(select(LetterTemplate.id).where(LetterTemplate.key == key)) is not None:
        key, n = f"{base}_{n}", n + 1
    return key


def create_template(actor: User, *, name: str, audience: str, penalty_detail: bool, subject: str,
                    body: str) -> LetterTemplate:
    name, subject = " ".join((name or "").split()), " ".join((subject or "").split())
    body = (body or "").replace("\r\n", "\n")
    problems: dict[str, str] = {}
    if not name:
        problems["name"] = "Enter the template's name"
    elif len(name) > 120:
        problems["name"] = "The name must be 120 characters or fewer"
    elif db.session.scalar(select(LetterTemplate.id).where(func.lower(LetterTemplate.name) == name.lower())):
        problems["name"] = "A template with this name already exists"
    if Audience.get(audience) is None:
        problems["audience"] = "Select who sends letters of this template"
    problems.update(_check_text(subject, body))
    if problems:
        raise Refused("The template was not saved: " + "; ".join(problems.values()), problems)
    template = LetterTemplate(key=_key_for(name), name=name, audience=audience, penalty_detail=bool(penalty_detail))
    template.versions.append(LetterTemplateVersion(number=1, subject=subject, body=body, author_id=actor.id))
    db.session.add(template)
    db.session.flush()
    audit.record(actor, "letter_template_added", template, summary=f"{template.key} version 1")
    db.session.flush()
    return template


@conflict_on_stale
def save_version(actor: User, template: LetterTemplate, subject: str, body: str,
                 expected_version: int | None) -> LetterTemplateVersion:
    """A new version of the template (the old ones are kept, and letters keep theirs)."""
    check_version(template, expected_version)
    if template.retired:
        raise Refused("The template is retired: reinstate it before changing it.")
    subject, body = " ".join((subject or "").split()), (body or "").replace("\r\n", "\n")
    problems = _check_text(subject, body)
    if problems:
        raise Refused("The template was not saved: " + "; ".join(problems.values()), problems)
    current = template.current
    if current.subject == subject and current.body == body:
        raise Refused("Nothing was changed: the text is the same as version "
                      f"{current.number}.", {"body": "Change the text, or go back without saving"})
    version = LetterTemplateVersion(number=current.number + 1, subject=subject, body=body, author_id=actor.id)
    template.versions.append(version)
    template.updated_at = utcnow()  # an UPDATE of the template row: two saves at once conflict
    db.session.flush()
    audit.record(actor, "letter_template_saved", template, changes={"version": {"from": current.number,
                                                                                "to": version.number}})
    _flush(template)
    return version


@conflict_on_stale
def set_retired(actor: User, template: LetterTemplate, retired: bool, expected_version: int | None) -> None:
    check_version(template, expected_version)
    if template.retired == retired:
        raise Refused("The template is already retired." if retired else "The template is in use already.")
    template.retired_at, template.retired_by_id = (utcnow(), actor.id) if retired else (None, None)
    audit.record(actor, "letter_template_retired" if retired else "letter_template_reinstated", template)
    _flush(template)


# ----- letters ---------------------------------------------------------------------------------

def liable_parents(pupil: Pupil) -> list[Contact]:
    """The pupil's contacts with parental responsibility: each gets a letter of their own."""
    return [c for c in pupil.contacts if c.parental_responsibility]


def check_period(start: date | None, end: date | None) -> dict[str, str]:
    problems = {}
    if start is None:
        problems["start"] = "Enter the first day of the period"
    if end is None:
        problems["end"] = "Enter the last day of the period"
    if start and end:
        if end > today():
            problems["end"] = "The period must end today or earlier"
        elif start > end:
            problems["start"] = "The period must start on or before its last day"
        elif (end - start).days > MAX_PERIOD_DAYS:
            problems["start"] = "The period can be at most a year and a month"
    return problems


def draft_letters(actor: User, *, pupil: Pupil, case: Case | None, template: LetterTemplate | None,
                  contact_ids: list[int], start: date | None, end: date | None,
                  extra: dict | None = None, audiences: tuple[Audience, ...] = (Audience.la,)) -> list[Letter]:
    """One draft per chosen liable parent, its text merged now (a later change of the template
    does not reach it). `audiences`: the templates the caller may use here."""
    problems: dict[str, str] = {}
    if template is None or template.retired or template.audience not in audiences:
        problems["template_id"] = "Select a letter"
    parents = {c.id: c for c in liable_parents(pupil)}
    chosen = [parents[i] for i in dict.fromkeys(contact_ids) if i in parents]
    if not parents:
        problems["contact_ids"] = ("No contact with parental responsibility is recorded for this child: add one "
                                   "to the child's record first")
    elif not chosen or len(chosen) != len(set(contact_ids)):
        problems["contact_ids"] = "Select who the letter is for"
    problems.update(check_period(start, end))
    if case is not None and case.is_closed:
        raise Refused("Letters cannot be written on a closed case.")
    if problems:
        raise Refused("The letter was not drafted: " + "; ".join(problems.values()), problems)
    assert template is not None and start is not None and end is not None  # refused above otherwise
    version = template.current
    given = letter_fields.clean_extra(extra)
    missing = sorted({group for group, key in extra_used(version.body) | extra_used(version.subject)
                      if (group, key) not in letter_fields.OPTIONAL_EXTRA
                      and not given.get(group, {}).get(key, "").strip()})
    if missing:  # never a letter with gaps where a notice's number, dates or amounts should be
        what = " and ".join(NOTICE_WORDS[group] for group in missing)
        raise Refused(f"‘{template.name}’ needs the details of {what}: write it from the notice itself.",
                      {"template_id": f"‘{template.name}’ is written from {what}, not from here"})
    case_for_letter = case if case is not None else open_case_for(pupil.id)
    letters = []
    for contact in chosen:
        merged = letter_fields.fields_for(pupil, case_for_letter, contact, actor, start, end, extra)
        try:
            text, subject = merge(version.body, merged), merge(version.subject, merged)
        except TemplateProblem as exc:
            raise Refused(f"The letter could not be written from its template: {exc.message}",
                          {"template_id": "This template cannot be used: ask an LA administrator to fix it"}) from None
        letter = Letter(pupil_id=pupil.id, case_id=case_for_letter.id if case_for_letter else None,
                        template_version_id=version.id, audience=template.audience,
                        penalty_detail=template.penalty_detail, contact_id=contact.id, recipient=contact.name,
                        subject=subject[:MAX_SUBJECT], text=text, extra=letter_fields.clean_extra(extra) or None,
                        created_by_id=actor.id)
        db.session.add(letter)
        db.session.flush()
        audit.record(actor, "letter_drafted", letter,
                     summary=f"{template.key} version {version.number}, pupil #{pupil.id}, contact #{contact.id}")
        letters.append(letter)
    db.session.flush()
    return letters


def page_for(letter: Letter) -> LetterPage:
    sender = letter.created_by.organisation.name if letter.audience == Audience.la else letter.pupil.school.name
    when = as_utc(letter.sent_at).astimezone(LONDON).date() if letter.sent_at else today()
    return LetterPage(title=letter.title, sender=sender, recipient=letter.recipient,
                      dated=letter_fields.long_date(when), subject=letter.subject, text=letter.text,
                      draft=not letter.is_sent)


def pdf_of(letter: Letter) -> bytes:
    """The frozen PDF of a sent letter; a draft's, made now (marked as a draft)."""
    if letter.is_sent and letter.pdf:
        return letter.pdf
    return render_pdf(page_for(letter))


@conflict_on_stale
def mark_sent(actor: User, letter: Letter, expected_version: int | None) -> Letter:
    """The letter goes out: its PDF is made once and frozen; with a case, it is also a case
    document with its chronology line (not in the police view)."""
    check_version(letter, expected_version)
    if not letter.is_draft:
        raise Refused("Only a draft letter can be marked as sent.")
    # the PDF is made first: once the row says "sent", what it says is frozen (models.FROZEN)
    data = render_pdf(replace(page_for(letter), draft=False, dated=letter_fields.long_date(today())))
    letter.status, letter.sent_at, letter.sent_by_id, letter.pdf = LetterStatus.sent, utcnow(), actor.id, data
    case = letter.case
    written = None
    if case is not None and not case.is_closed:
        version = letter.template_version
        text = (f"Letter sent to {letter.recipient}: {version.template.name} "
                f"(template version {version.number}).")
        document = documents.add_document(actor, case, data=data, filename=letter.filename, title=letter.title[:200],
                                          category="letter", entry_kind="letter", entry_text=text)
        letter.document_id, written = document.id, documents.path_of(document)
    audit.record(actor, "letter_sent", letter,
                 changes={"status": {"from": LetterStatus.draft, "to": LetterStatus.sent}},
                 summary=f"{len(data)} bytes" + (f", case #{case.id}" if case is not None else ""))
    try:
        _flush(letter)
    except BaseException:  # someone sent it first: the file written for this attempt goes
        if written is not None:
            written.unlink(missing_ok=True)
        raise
    return letter


@conflict_on_stale
def discard(actor: User, letter: Letter, expected_version: int | None) -> None:
    check_version(letter, expected_version)
    if not letter.is_draft:
        raise Refused("Only a draft letter can be discarded: a sent letter is kept.")
    letter.status = LetterStatus.discarded
    letter.discarded_at, letter.discarded_by_id = utcnow(), actor.id
    audit.record(actor, "letter_discarded", letter,
                 changes={"status": {"from": LetterStatus.draft, "to": LetterStatus.discarded}})
    _flush(letter)
