"""The case page's chronology entries, made in Python.

A case's chronology is its longest list (50 entries a page, more with "Show more"): as a Jinja
loop (`templates/cases/_chronology_items.html`, kept as the reference) each entry took a few
dozen calls (four London times to say whether it was recorded later, the GOV.UK tag macro, the
conditions for its links). The HTML is what the template made, escaped the same way and with the
same whitespace: tests/cases/test_chronology_html.py compares the two on tricky entries."""
from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from markupsafe import Markup, escape

from portal.timeutil import london, london_day

# the entries a correction can be added to (by their author, or the lead side)
CORRECTABLE = ("note", "phone_call", "home_visit", "meeting", "letter", "support_offered", "support_plan",
               "support_not_appropriate", "correction")

_TAGS: dict[str, Markup] = {}


def _tag(text: str, classes: str) -> Markup:
    """The GOV.UK tag macro's HTML for fixed text (the same every time: made once per process)."""
    html = _TAGS.get(text)
    if html is None:
        module = current_app.jinja_env.get_template("govuk_frontend_jinja/components/tag/macro.html").module
        macro = getattr(module, "govukTag")  # noqa: B009 - a macro Jinja makes at run time
        html = _TAGS[text] = Markup(macro({"text": text, "classes": classes}))
    return html


def _day(value: Any) -> str:
    return value.strftime("%-d %b %Y") if value else ""  # the `day` filter


def chronology_items(entries: list, case: Any, view: str, lead: bool, kinds: Any, not_appropriate_reasons: dict,
                     user_id: int | None) -> Markup:
    """The <li> of each entry, newest first, as `_chronology_items.html` made them. `user_id`: the
    viewer's (their own entries and documents have links for a correction and a removal)."""
    kind_labels = dict(kinds)
    case_url = url_for("cases.view_case", case_id=case.id)
    police = view == "police"
    health_tag = police_tag = None
    out: list[str] = []
    for e in entries:
        occurred, recorded, time_given = e.occurred_at, e.recorded_at, e.time_given
        when = london(occurred) if time_given else london_day(occurred)
        out.append(f'    <li class="app-timeline__item {"app-timeline__item--struck" if e.struck_at else ""}"'
                   f' id="entry-{e.id}">\n'
                   '      <p class="govuk-body-s govuk-!-margin-bottom-1">\n'
                   f'        <strong>{escape(kind_labels.get(e.kind, e.kind))}</strong> – {escape(when)}\n')
        if e.author:
            out.append(f" – {escape(e.author.name)}")
        if e.organisation:
            out.append(f", {escape(e.organisation.name)}")
        recorded_london = london(recorded)
        if (time_given and recorded_london != when) or (not time_given and london_day(recorded) != when):
            out.append(f'<span class="govuk-hint govuk-!-display-inline"> (recorded {escape(recorded_london)})</span>')
        if e.health:
            health_tag = health_tag or _tag("Health", "govuk-tag--purple")
            out.append(f" {health_tag}")
        if e.police_shareable and not police:
            police_tag = police_tag or _tag("Shared with police", "govuk-tag--grey")
            out.append(f" {police_tag}")
        out.append("      </p>\n")
        if e.corrects_id:
            out.append('<p class="govuk-body-s govuk-!-margin-bottom-1">Corrects <a class="govuk-link"'
                       f' href="#entry-{escape(e.corrects_id)}">an earlier entry</a>:</p>')
        text = escape(e.text_for(view))
        if e.struck_at:
            out.append(f'        <p class="govuk-body govuk-!-margin-bottom-1"><del>{text}</del></p>\n'
                       f'        <p class="govuk-body-s">Struck through {escape(london(e.struck_at))}:'
                       f' {escape(e.strike_reason)}</p>\n')
        else:
            if not police and e.kind == "support_plan":
                out.append(f'<p class="govuk-body govuk-!-margin-bottom-1"><strong>Support:</strong>'
                           f' {escape(e.support_name)}. <strong>Review by</strong> {escape(_day(e.review_on))}.</p>')
            if not police and e.kind == "support_not_appropriate":
                out.append('<p class="govuk-body govuk-!-margin-bottom-1"><strong>Reason:</strong>'
                           f' {escape(not_appropriate_reasons.get(e.not_appropriate_reason, "–"))}.</p>')
            out.append(f'        <p class="govuk-body govuk-!-margin-bottom-1 app-pre-line">{text}</p>\n')
            document = e.document
            if document and document.kept and (not police or document.police_shareable):
                name, href = escape(document.filename), f"{case_url}/documents/{document.id}"
                out.append('          <p class="govuk-body govuk-!-margin-bottom-1">\n'
                           f'            <a class="govuk-link" href="{escape(href)}" download>Download {name}'
                           f'<span class="govuk-visually-hidden"> ({escape(document.file_type.label)})</span></a>'
                           f' ({escape(document.size_text)})\n')
                if document.uploaded_by_id == user_id or lead:
                    out.append(f' · <a class="govuk-link" href="{escape(href)}/remove">Remove<span'
                               f' class="govuk-visually-hidden"> the document {name}</span></a>')
                out.append("          </p>\n")
            if e.kind in CORRECTABLE and (e.author_id == user_id or lead):
                href = escape(f"{case_url}/chronology/{e.id}")
                out.append('          <p class="govuk-body-s govuk-!-margin-bottom-0">\n'
                           f'            <a class="govuk-link" href="{href}/correct">Add a correction'
                           '<span class="govuk-visually-hidden"> to this entry</span></a>\n')
                if lead:
                    out.append(f' · <a class="govuk-link" href="{href}/strike">Strike through'
                               '<span class="govuk-visually-hidden"> this entry</span></a>')
                out.append("          </p>\n")
        out.append("    </li>\n")
    return Markup("".join(out))
