"""Times in 24-hour format everywhere (issue 14.17): no template, filter or PDF formats a time
with a 12-hour clock (%I, %l, %p) or by locale (%X, %r, %c), and the shared filters print 24-hour times."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TWELVE_HOUR = re.compile(r"%-?[IlprXc]\b|%-?[IlprXc](?=[^a-zA-Z]|$)")


def test_no_twelve_hour_or_locale_time_formats_in_the_code_or_templates():
    offenders = []
    for folder, pattern in (("portal", "*.py"), ("templates", "*.html"), ("static/js", "*.mjs")):
        for path in (ROOT / folder).rglob(pattern):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if "strftime" in line or "format" in line:
                    if TWELVE_HOUR.search(line) and "%w" not in line:
                        offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_london_filter_prints_a_24_hour_time(app):
    london = app.jinja_env.filters["london"]
    assert london(datetime(2026, 12, 2, 15, 5, tzinfo=timezone.utc)) == "2 Dec 2026 15:05"
    assert london(datetime(2026, 7, 2, 23, 30, tzinfo=timezone.utc)).endswith("00:30")
