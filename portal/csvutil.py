"""CSV downloads that spreadsheets cannot turn into formulas."""
from __future__ import annotations

import csv
import io
from typing import Iterable

from flask import Response, stream_with_context

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable]) -> Response:
    """Stream a CSV download (Content-Disposition: attachment), cells made safe."""

    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        for row in rows:
            writer.writerow([safe_cell(v) for v in row])
            if buffer.tell() > 32_768:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(stream_with_context(generate()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
