"""The ZIP of a subject access export: index.html and one HTML page per section (readable),
json/<section>.json (machine-readable), third_parties.csv (for redaction review), the letters'
frozen PDFs and the documents' files."""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import datetime

from flask import render_template

from portal.csvutil import safe_cell
from portal.subject_access.collect import Export
from portal.subject_access.redact import OTHER_CHILD
from portal.timeutil import LONDON, as_utc

THIRD_PARTY_HEADER = ["name", "kind", "role_or_relationship", "organisation", "sections"]


def filename(reference: str, pupil_id: int) -> str:
    safe = re.sub(r"[^A-Za-z0-9-]+", "-", reference).strip("-") or "export"
    return f"subject-access-{safe}-pupil-{pupil_id}.zip"


def third_parties_csv(export: Export) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(THIRD_PARTY_HEADER)
    for person in export.people.rows():
        writer.writerow([safe_cell(v) for v in (person.name, person.kind, person.role, person.organisation,
                                                "; ".join(sorted(person.sections)))])
    if export.redactor is not None and export.redactor.replaced:
        writer.writerow([OTHER_CHILD, "other child (already redacted)", "", "",
                         f"{export.redactor.replaced} mention(s) replaced"])
    return buffer.getvalue()


def build_zip(export: Export, *, reference: str, made_by: str, made_at: datetime) -> bytes:
    made = as_utc(made_at).astimezone(LONDON).strftime("%Y-%m-%d %H:%M")
    about = {"reference": reference, "pupil_id": export.pupil.id, "made_at": made, "made_by": made_by}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("index.html", render_template("subject_access/export/index.html", export=export, about=about))
        for section in export.sections:
            zf.writestr(f"sections/{section.key}.html", render_template(
                "subject_access/export/section.html", export=export, section=section, about=about))
            zf.writestr(f"json/{section.key}.json", json.dumps(
                {**about, "section": section.key, "title": section.title, "note": section.note,
                 "records": section.records}, indent=2, ensure_ascii=False, default=str))
        zf.writestr("third_parties.csv", third_parties_csv(export))
        for path, data in export.files:
            zf.writestr(path, data)
    return buffer.getvalue()
