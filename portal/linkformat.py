"""Links a page repeats for every row, built with one `url_for` and formatted per row."""
from __future__ import annotations

from typing import Any

from flask import url_for

_MARKER = 987654321


def href_format(endpoint: str, name: str, **values) -> str:
    """url_for(endpoint, **values, name=X) as a str.format pattern for X (an int): "/pupils/{}"."""
    args: dict[str, Any] = {**values, name: _MARKER}
    return url_for(endpoint, **args).replace("{", "{{").replace("}", "}}").replace(str(_MARKER), "{}")
