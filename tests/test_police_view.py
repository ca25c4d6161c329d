"""The police-view invariant (DESIGN.md, security rules): nothing a police user can reach — page,
htmx fragment, CSV or PDF — holds a percentage figure, a UPN, a pupil's date of birth, a health
note or the panel's rationale.

The scene is built through the real services, so that all of these exist elsewhere: pupils with
attendance, a case shared with the police (a health note, a note shared with the police, one not
shared, actions, a stage change with a reason, a panel decision with its rationale, a sweep
encounter matched to the pupil, then the case closed), a second case on the same panel agenda not
shared with the police, and a sweep with one matched child. The police user then crawls from the
home page, following every same-origin link (GET only) and every htmx fragment the pages declare
(hx-get), plus the pages named below that no link may lead to.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal.attendance.models import PupilWeek
from portal.cases import referrals
from portal.cases import service as cases
from portal.cases.models import ChronologyEntry, Stage
from portal.cme import service as cme
from portal.cme import sharing as cme_sharing
from portal.extensions import db
from portal.panels import service as panels
from portal.panels.models import PanelDecision
from portal.pupils.models import Pupil
from portal.sweeps import service as sweeps
from portal.timeutil import LONDON, utcnow
from tests import clock
from tests.attendance.helpers import TODAY
from tests.factories import make_pupil

PERCENT = re.compile(r"\d+(?:[.,]\d+)?\s*%")
# DOMAIN.md: a check letter (no I, O or S), the LA number, the establishment number, the year of
# allocation and a 3-character serial whose last character may be a letter (a temporary UPN).
UPN = re.compile(r"\b[A-HJ-NP-RT-Z]\d{11}[0-9A-HJ-NP-RT-Z]\b")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "hx-get", "hx-post", "hx-push-url", "hx-headers"}
MAX_URLS = 400

RATIONALES = ("Jordan told the panel that mornings are hard since the move; the school will keep its meet-and-greet",
              "Riley's mother has agreed to the early help assessment offered in October")
HEALTH_NOTE = "School nurse: asthma review booked with the GP"
SUPPORT_NAME = "Bereavement counselling through the school nurse"
SUPPORT_PLAN_TEXT = "Plan agreed with mother at the review meeting"
NOT_APPROPRIATE_TEXT = "Family abroad for two weeks in term time after the request was refused"
SHARED_PLAN_TEXT = "Jordan to join the neighbourhood team's mentoring scheme"


@dataclass
class Scene:
    shared: object  # the case shared with the police, closed at the end
    other: object  # a case on the same agenda, not shared with the police
    meeting: object
    items: list
    sweep: object
    cme: object = None  # a CME enquiry shared with the police, its steps' notes holding what they must not see


def weeks(pupil: Pupil, attended: tuple[int, ...]) -> None:
    """Autumn term weeks up to TODAY's, 10 possible sessions each."""
    monday = TODAY - timedelta(days=TODAY.weekday() + 7 * len(attended))
    for n, present in enumerate(attended):
        start = monday + timedelta(weeks=n)
        db.session.add(PupilWeek(pupil_id=pupil.id, week_start=start, possible=10, attended=present, authorised=0,
                                 unauthorised=10 - present, open_sessions=10, last_date=start + timedelta(days=4)))


def open_case(world, pupil, barriers: dict[str, str]):
    staff, ewo = world.user("school_staff"), world.user("ewo")
    referral = referrals.save_draft(staff, pupil, {
        "barriers": barriers, "stage_reached": 4, "consent": "given", "lawful_basis": "", "urgency": "routine",
        "school_actions": "Calls home 3, 10 and 17 Nov; letter 12 Nov.", "safeguarding_concern": False})
    referrals.submit(staff, referral, referral.version)
    return referrals.accept(ewo, referral, ewo, referral.version)


@pytest.fixture
def scene(world, time_machine) -> Scene:
    time_machine.move_to(clock.noon(TODAY))
    ewo, police, chair = world.user("ewo"), world.user("police"), world.user("panel_chair")
    jordan = make_pupil(world.school_a, "Jordan", "Hale", date_of_birth=date(2013, 4, 17), nc_year=8)
    riley = make_pupil(world.school_a, "Riley", "Shaw", date_of_birth=date(2012, 10, 2), nc_year=9)
    casey = make_pupil(world.school_b, "Casey", "Ward", date_of_birth=date(2014, 1, 23), nc_year=7)
    weeks(jordan, (9, 8, 8, 7, 8, 9))
    weeks(riley, (6, 7, 5, 8, 6, 7))
    weeks(casey, (10, 10, 9, 10, 10, 10))
    db.session.commit()

    shared = open_case(world, jordan, {"illness": "Asthma: frequent GP visits", "bullying": "Falling out at break"})
    other = open_case(world, riley, {"family": "Mother recovering from surgery"})
    cases.share(ewo, shared, world.police_org, "Seen in the town centre in school hours three times")
    cases.share(ewo, other, world.early_help_org, "Family support")
    past = utcnow() - timedelta(days=2)
    cases.add_entry(ewo, shared, "support_offered", past, "Offered a meet-and-greet at the gate and a mentor.")
    cases.add_entry(ewo, shared, "support_plan", past, SUPPORT_PLAN_TEXT, support_name=SUPPORT_NAME,
                    review_on=TODAY + timedelta(days=30))
    cases.add_entry(ewo, shared, "support_not_appropriate", past, NOT_APPROPRIATE_TEXT,
                    not_appropriate_reason="term_time_holiday")
    cases.add_entry(ewo, shared, "support_plan", past, SHARED_PLAN_TEXT, support_name="Police mentoring scheme place",
                    review_on=TODAY + timedelta(days=30), police_shareable=True)
    cases.add_entry(ewo, shared, "note", past, HEALTH_NOTE, health=True)
    cases.add_entry(ewo, shared, "home_visit", past, "Seen near the shops in school hours; neighbourhood team "
                    "informed.", police_shareable=True)
    cases.add_entry(ewo, shared, "phone_call", past, "Mother says the family may move house in the spring.")
    cases.add_entry(police, shared, "note", past, "PCSO spoke to Jordan at the bus station and walked him to school.")
    cases.add_action(ewo, shared, "School to call home each morning", TODAY + timedelta(days=7),
                     owner_org=world.school_a)
    cases.add_action(ewo, shared, "Include Jordan in the next town-centre patrol briefing", TODAY + timedelta(days=9),
                     owner_org=world.police_org, police_shareable=True)  # chosen for the police
    stage = db.session.scalar(select(Stage).where(Stage.position == 6))
    cases.set_stage(ewo, shared, stage, shared.version, "Attendance down to 81.7% this term")

    day = (utcnow() + timedelta(days=10)).astimezone(LONDON).date()
    meeting = panels.schedule_meeting(chair, datetime.combine(day, time(10), tzinfo=LONDON), place="Civic Centre")
    cases.set_review(ewo, other, day, other.version)  # due at the panel (`shared` is referred to it): listable
    items = [panels.add_item(chair, meeting, case, "Listed by the chair") for case in (shared, other)]
    panels.invite_user(chair, meeting, police)
    panels.publish(chair, meeting)
    meeting.held_at = utcnow() - timedelta(minutes=1)  # the meeting has started: decisions may be recorded
    for item, rationale in zip(items, RATIONALES, strict=True):
        panels.record_decision(chair, item, "continue_support", rationale, day + timedelta(days=42),
                               [{"description": "Mentor to meet the pupil weekly", "owner_org": world.school_a,
                                 "due": day + timedelta(days=14)}])
    panels.confirm_confidentiality(police, meeting)

    sweep = sweeps.create_sweep(police, held_on=date(2026, 11, 20), starts_at=time(9), ends_at=time(12),
                                area="Town centre", lead=police, officers=[ewo], agencies=[])
    encounter = sweeps.record_encounter(police, sweep, {
        "seen_time": time(10, 30), "location": "Bus station", "officer_id": police.id, "forename": "Jordan",
        "surname": "Hale", "date_of_birth": jordan.date_of_birth, "age": None, "school_status": "school",
        "school_id": world.school_a.id, "school_given": "", "exclusion": "none", "accompanied": "alone",
        "reason": "Said he felt unwell", "reason_accepted": False, "outcome": "returned_to_school",
        "outcome_note": "", "concern": False, "concern_note": ""})
    sweeps.confirm_match(ewo, encounter, jordan, encounter.version)

    cases.close(ewo, db.session.get(type(shared), shared.id), "improved", "Back to 97% since the GP changed the "
                "inhaler", db.session.get(type(shared), shared.id).version, share_with_police=True)
    # a CME enquiry shared with the police (issue 18): the LA's step notes (a health note, an
    # attendance figure) stay out of their restricted view
    enquiry = cme.open_enquiry(ewo_cme(world), {"source": "professional", "child_name": "Alex Unrolled",
                                                "address": "9 Dock Road"})
    health_step = next(s for s in cme.steps_for(enquiry.id) if s.kind.value == "health")
    cme.record_step(ewo_cme(world), enquiry, health_step, {"due_date": health_step.due_date, "done_on": TODAY,
                                                           "outcome": "Attendance was 81.7% at the last school",
                                                           "notes": HEALTH_NOTE}, health_step.version)
    cme_sharing.share(ewo_cme(world), enquiry, world.police_org, "Possible exploitation: check the address")
    db.session.commit()
    return Scene(shared=shared, other=other, meeting=meeting, items=items, sweep=sweep, cme=enquiry)


def ewo_cme(world):
    """The LA admin works CME enquiries (the world's EWO is not a CME officer)."""
    return world.user("la_admin")


# ----- reading what the police receive ------------------------------------------------------------

class _Reader(HTMLParser):
    """The text a reader sees, the attribute values that are not URLs, and where the page leads."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.attributes: list[str] = []
        self.links: list[str] = []
        self.fragments: list[tuple[str, str | None]] = []  # (hx-get URL, the id of its target)
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        self.attributes += [v for k, v in attrs.items() if v and k not in URL_ATTRIBUTES]
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if attrs.get("hx-get"):
            target = attrs.get("hx-target")
            self.fragments.append((attrs["hx-get"], target[1:] if target and target.startswith("#")
                                   else (attrs.get("id") if not target else None)))

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def _words(text: str) -> str:
    return " ".join(unescape(text).split())


def readable(response) -> tuple[str, _Reader | None]:
    """What the police read in a response, and (HTML) the parsed page."""
    if response.mimetype == "application/pdf":
        pdf = PdfReader(io.BytesIO(response.data))
        return _words(" ".join(page.extract_text() for page in pdf.pages)), None
    body = response.get_data(as_text=True)
    if response.mimetype != "text/html":
        return _words(body), None
    reader = _Reader()
    reader.feed(body)
    return _words(" ".join(reader.text)) + " | " + _words(" | ".join(reader.attributes)), reader


def forbidden() -> dict[str, list[str]]:
    """Exact things that must never reach the police: every pupil's UPN and date of birth (as
    the portal writes dates), every health note, every panel rationale."""
    pupils = db.session.scalars(select(Pupil)).all()
    dates = []
    for p in pupils:
        d = p.date_of_birth
        dates += [d.isoformat(), d.strftime("%d/%m/%Y"), f"{d.day}/{d.month}/{d.year}",
                  f"{d.day} {d:%b %Y}", f"{d.day} {d:%B %Y}", f"{d:%d} {d:%b %Y}"]
    return {
        "UPN": [p.upn for p in pupils],
        "date of birth": dates,
        "health note": list(db.session.scalars(select(ChronologyEntry.text).where(ChronologyEntry.health.is_(True)))),
        "panel rationale": list(db.session.scalars(select(PanelDecision.rationale))),
        # support-first entries (plans, "support not appropriate") that were not shared with the police
        "unshared support entry": [v for e in db.session.scalars(select(ChronologyEntry).where(
            ChronologyEntry.kind.in_(("support_plan", "support_not_appropriate")),
            ChronologyEntry.police_text.is_(None))) for v in (e.text, e.support_name)],
        "support named in a plan": list(db.session.scalars(select(ChronologyEntry.support_name).where(
            ChronologyEntry.support_name.is_not(None)))),
    }


def leaks(text: str, raw: str, exact: dict[str, list[str]]) -> list[str]:
    found = [f"percentage {m!r}" for m in PERCENT.findall(text)]
    found += [f"UPN-like {m!r}" for m in UPN.findall(text)]
    for what, values in exact.items():
        found += [f"{what} {v!r}" for v in values if v and (_words(v) in text or v in raw)]
    return sorted(set(found))


def crawl(client, seeds: list[tuple[str, dict]]) -> dict[str, list[str]]:
    """GET every page the police can reach from `seeds`: links and hx-get fragments, same origin."""
    exact = forbidden()
    queue, seen, problems = list(seeds), set(), {}
    while queue and len(seen) < MAX_URLS:
        url, headers = queue.pop(0)
        key = (url, tuple(sorted(headers.items())))
        if key in seen:
            continue
        seen.add(key)
        response = client.get(url, headers=headers)
        assert response.status_code < 500, f"{url}: {response.status_code}"
        if response.status_code in (301, 302, 303):
            queue.append((urlsplit(urljoin(url, response.headers["Location"]))._replace(fragment="").geturl(), {}))
            continue
        text, page = readable(response)
        found = leaks(text, response.get_data(as_text=True) if response.mimetype != "application/pdf" else "", exact)
        if found:
            problems[f"{url} {headers or ''}".strip()] = found
        if page is None:
            continue
        for href in page.links:
            target = _same_origin(url, href)
            if target:
                queue.append((target, {}))
        for href, target_id in page.fragments:
            target = _same_origin(url, href)
            if target:
                queue.append((target, {"HX-Request": "true", **({"HX-Target": target_id} if target_id else {})}))
    assert len(seen) < MAX_URLS, "the crawl did not finish"
    return problems


def _same_origin(base: str, href: str) -> str | None:
    parts = urlsplit(urljoin(f"http://localhost{base}", unescape(href)))
    if parts.scheme not in ("http", "https") or parts.netloc != "localhost":
        return None
    if parts.path.startswith(("/static/", "/assets/")) or parts.path == "/logout":
        return None
    return parts._replace(scheme="", netloc="", fragment="").geturl()


# ----- the invariant --------------------------------------------------------------------------------

def test_nothing_the_police_can_reach_holds_attendance_figures_upns_dates_of_birth_health_or_rationale(
        app, world, scene):
    police = app.test_client()
    police.login(world.user("police"))
    case, meeting = scene.shared.id, scene.meeting.id
    hx_chronology = {"HX-Request": "true", "HX-Target": "chronology"}
    seeds = [("/", {}),
             (f"/cases/{case}", {}), (f"/cases/{case}", hx_chronology),
             (f"/cases/{case}?kind=decision", hx_chronology), (f"/cases/{case}?kind=stage_change", hx_chronology),
             ("/cases?status=closed", {}), ("/cases?status=all", {}),
             (f"/panels/{meeting}", {})]
    seeds += [(f"/panels/{meeting}/items/{item.id}", {}) for item in scene.items]
    seeds += [(f"/panels/{meeting}/minutes?version={v}", {}) for v in ("restricted", "redacted")]
    seeds += [(f"/panels/{meeting}/minutes/pdf?version={v}", {}) for v in ("restricted", "redacted")]
    seeds += [(f"/sweeps/{scene.sweep.id}", {}), ("/sweeps/reports?from=2026-09-01&to=2026-12-31", {}),
              ("/sweeps/reports.csv?from=2026-09-01&to=2026-12-31", {})]
    seeds += [("/cme/shared", {}), (f"/cme/shared/{scene.cme.id}", {})]
    assert crawl(police, seeds) == {}


def test_the_crawl_sees_what_the_police_are_meant_to_see(app, world, scene):
    """The invariant would hold trivially if the police reached nothing: they do reach the closed
    case's chronology, both packs, the minutes and the sweep figures, and the LA's own view of the
    same things holds every kind of figure the crawl looks for."""
    police = app.test_client()
    police.login(world.user("police"))
    case = police.get(f"/cases/{scene.shared.id}", headers={"HX-Request": "true", "HX-Target": "chronology"})
    text, _ = readable(case)
    assert "Case closed: Attendance improved and sustained." in text
    # a support plan its author shared with the police is in their view (its words; not the support named)
    assert SHARED_PLAN_TEXT in text and "Police mentoring scheme place" not in text
    assert "PCSO spoke to Jordan" in text and "Seen near the shops" in text and "Include Jordan" in text
    # what nobody chose to share with the police stays out: the triage, an action, the stage change, the
    # EWO's sweep match (issue 14, point 8)
    assert "Referral accepted" not in text and "School to call home" not in text
    assert "Stage changed" not in text and "truancy sweep" not in text.lower()
    for item in scene.items:
        assert police.get(f"/panels/{scene.meeting.id}/items/{item.id}").status_code == 200
    minutes, _ = readable(police.get(f"/panels/{scene.meeting.id}/minutes/pdf?version=restricted"))
    assert "Continue support" in minutes and "Jordan Hale" in minutes
    assert "Town centre" in police.get("/sweeps").get_data(as_text=True)
    shared_cme, _ = readable(police.get(f"/cme/shared/{scene.cme.id}"))
    assert "Alex Unrolled" in shared_cme and "9 Dock Road" in shared_cme and "Possible exploitation" in shared_cme

    admin = app.test_client()
    admin.login(world.user("la_admin"))
    response = admin.get(f"/cases/{scene.shared.id}")
    full, _ = readable(response)
    kinds = {found.split(" '")[0] for found in leaks(full, response.get_data(as_text=True), forbidden())}
    assert kinds == {"percentage", "UPN", "UPN-like", "date of birth", "health note", "panel rationale",
                     "unshared support entry", "support named in a plan"}


def test_the_demo_holds_the_invariant_too(app):
    """The demo partnership (seed-demo), as a newcomer signs in to it as the police officer: the
    police are invited to the coming panel meeting and the case shared with them is closed."""
    from portal.cases.models import Case, CaseShare
    from portal.orgs.models import User
    from portal.panels.models import PanelMeeting
    from tests.demo import seed_demo

    seed_demo("attend-demo-2026")
    police = db.session.scalar(select(User).where(User.email == "police@demo.test"))
    chair = db.session.scalar(select(User).where(User.email == "panelchair@demo.test"))
    meeting = db.session.scalar(select(PanelMeeting).where(PanelMeeting.status == "published"))
    panels.invite_user(chair, meeting, police)
    panels.confirm_confidentiality(police, meeting)
    case = db.session.scalar(select(Case).join(CaseShare).where(CaseShare.organisation_id == police.organisation_id))
    cases.close(case.lead, case, "improved", "", case.version, share_with_police=True)

    client = app.test_client()
    client.login(police, password="attend-demo-2026")
    seeds = [("/", {}), (f"/cases/{case.id}", {}),
             (f"/cases/{case.id}", {"HX-Request": "true", "HX-Target": "chronology"}), ("/cases?status=closed", {})]
    seeds += [(f"/panels/{meeting.id}/items/{item.id}", {}) for item in meeting.active_items]
    seeds += [(f"/panels/{meeting.id}/minutes{pdf}?version={v}", {})
              for v in ("restricted", "redacted") for pdf in ("", "/pdf")]
    seeds += [("/sweeps/reports.csv", {})]
    assert crawl(client, seeds) == {}
