"""Safe redirects, and the links a page repeats for every row (one `url_for`, then formatted)."""
from __future__ import annotations

from urllib.parse import urlsplit


def is_safe_next(target: str | None) -> bool:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not isinstance(target, str):
        return False
    if any(c in target for c in ("\\", "\r", "\n", "\t")) or target.strip() != target:
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


_MARK = 7310952846  # a number no route formats differently and no URL otherwise contains


def link_parts(endpoint: str, key: str, **values) -> tuple[str, str]:
    """One `url_for` for a list's many links that differ only in one integer `key`: the URL's
    text before and after it (`prefix ~ id ~ suffix`), as `url_for(endpoint, key=id)` gives."""
    from flask import url_for

    url = url_for(endpoint, **values, **{key: _MARK})  # type: ignore[arg-type]  # mypy cannot see **values
    prefix, found, suffix = url.partition(str(_MARK))
    if not found or str(_MARK) in suffix:
        raise ValueError(f"{endpoint}: {key} is not plainly in its URL")
    return prefix, suffix


def href_format(endpoint: str, key: str, **values) -> str:
    """`link_parts` as a str.format pattern for the id: "/pupils/{}" (braces in the URL doubled)."""
    prefix, suffix = link_parts(endpoint, key, **values)
    return "{}".join(part.replace("{", "{{").replace("}", "}}") for part in (prefix, suffix))
