"""Links a page repeats for every row, built with one `url_for` and formatted per row."""
from __future__ import annotations

from flask import url_for

_MARKER = 987654321


def href_format(endpoint: str, name: str, **values) -> str:
    """url_for(endpoint, **values, name=X) as a str.format pattern for X (an int): "/pupils/{}"."""
    return url_for(endpoint, **values, **{name: _MARKER}).replace("{", "{{").replace("}", "}}") \
        .replace(str(_MARKER), "{}")
