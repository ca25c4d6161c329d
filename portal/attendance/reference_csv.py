"""Reference figures to and from CSV: the LA admin's upload, `flask --app portal reference load
FILE`, and the download (formula-safe cells, the same columns, so a download loads back).

A load is all or nothing: the header is checked, then every row; any problem refuses the whole
file with a list of problems by row, and nothing is saved. A row whose key (kind, year, period,
phase, cohort, measure) is held already is refused unless the load is asked to update figures
already held (`update=True`): then it changes that figure (audited, its version moves on).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from portal import audit
from portal.attendance import reference
from portal.attendance.models import REFERENCE_KEY, ReferenceFigure
from portal.errors import Refused
from portal.extensions import db

HEADER = ["kind", "academic_year", "period", "phase", "cohort", "measure", "value", "source", "published_on"]
MAX_ROWS = 5000
MAX_PROBLEMS_SHOWN = 100


class LoadRefused(Refused):
    """The file was refused: `rows` lists the problems as (row number, column, message)."""

    def __init__(self, rows: list[tuple[int, str, str]], total: int | None = None):
        self.rows = rows[:MAX_PROBLEMS_SHOWN]
        self.total = total if total is not None else len(rows)
        noun = "problem" if self.total == 1 else "problems"
        super().__init__(f"The file has {self.total} {noun}: nothing was loaded",
                         {"file": f"The file has {self.total} {noun}: nothing was loaded"})


@dataclass
class Loaded:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    figures: list[ReferenceFigure] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged"


def _date(raw: str) -> date | str:
    text = raw.strip()
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        return f"The publication date must be a real date written YYYY-MM-DD, not {text[:20]!r}"


def parse(data: bytes | str) -> list[tuple[int, dict]]:
    """The file's rows as (row number, values), or LoadRefused for an unreadable file or header."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise LoadRefused([(1, "file", "The file must be CSV text in UTF-8")]) from None
    reader = csv.reader(io.StringIO(data))
    try:
        header = next(reader, [])
        if [h.strip().lower() for h in header] != HEADER:
            raise LoadRefused([(1, "header", "The first line must be the column names " + ",".join(HEADER))])
        rows: list[tuple[int, list[str]]] = []
        for number, row in enumerate(reader, start=2):
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(rows) >= MAX_ROWS:
                raise LoadRefused([(number, "file", f"The file has more than {MAX_ROWS} figures: split it")])
            rows.append((number, row))
    except csv.Error as exc:
        raise LoadRefused([(reader.line_num, "file", f"The file is not readable CSV text ({exc})")]) from None
    if not rows:
        raise LoadRefused([(2, "file", "The file has no figures in it")])
    parsed = []
    problems: list[tuple[int, str, str]] = []
    for number, row in rows:
        if len(row) != len(HEADER):
            problems.append((number, "row", f"Expected {len(HEADER)} values ({', '.join(HEADER)}), found {len(row)}"))
            continue
        values: dict = dict(zip(HEADER, (cell.strip() for cell in row), strict=True))
        values["published_on"] = _date(values["published_on"]) if values["published_on"] else None
        parsed.append((number, values))
    if problems:
        raise LoadRefused(problems)
    return parsed


def load(actor, data: bytes | str, *, update: bool = False, filename: str = "",
         actor_label: str | None = None) -> Loaded:
    """Check every row of the file, then save all of it or nothing (LoadRefused)."""
    rows = parse(data)
    held = {tuple(getattr(f, k) for k in REFERENCE_KEY): f for f in db.session.scalars(select(ReferenceFigure))}
    problems: list[tuple[int, str, str]] = []
    seen: dict[tuple, int] = {}
    checked: list[tuple[dict, ReferenceFigure | None]] = []
    for number, values in rows:
        bad_date = values["published_on"] if isinstance(values["published_on"], str) else None
        if bad_date:
            values = {**values, "published_on": None}
        good, row_problems = reference.check(values, held={})  # the key is checked below
        if bad_date:
            row_problems["published_on"] = bad_date
        for column in HEADER:
            if column in row_problems:
                problems.append((number, column, row_problems[column]))
        if row_problems:
            continue
        key = tuple(good[k] for k in REFERENCE_KEY)
        if key in seen:
            problems.append((number, "row", f"The same figure as row {seen[key]}: {reference.describe(good)}"))
            continue
        seen[key] = number
        existing = held.get(key)
        if existing is not None and not update:
            problems.append((number, "row", f"Already held: {reference.describe(good)}. Remove the row, or choose "
                                            "to update figures already held"))
            continue
        checked.append((good, existing))
    if problems:
        raise LoadRefused(problems)
    loaded = Loaded()
    for good, existing in checked:
        if existing is None:
            loaded.figures.append(reference.add(actor, good, actor_label=actor_label))
            loaded.added += 1
        else:
            version = existing.version
            reference.update(actor, existing, existing.version, good, actor_label=actor_label)
            if existing.version != version:
                loaded.updated += 1
            else:
                loaded.unchanged += 1
            loaded.figures.append(existing)
    audit.record(actor, "reference_figures_loaded", object_type="ReferenceFigure", actor_label=actor_label,
                 summary=f"{filename or 'CSV file'}: {loaded.summary}"[:500],
                 changes={"added": {"from": None, "to": loaded.added}, "updated": {"from": None, "to": loaded.updated},
                          "unchanged": {"from": None, "to": loaded.unchanged}})
    return loaded


def rows(figures: list[ReferenceFigure]):
    """The download's rows, in HEADER's columns (csvutil makes every cell formula-safe)."""
    for f in figures:
        yield [f.kind.value, f.academic_year, f.period.value, f.phase.value, f.cohort.value, f.measure.value,
               f"{f.value:.2f}", f.source, f.published_on.isoformat()]
