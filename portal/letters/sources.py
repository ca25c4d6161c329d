"""Where a letter's notice data comes from: the one hook the notices plug into.

`extra_for(case, args)` returns the `extra` namespace of the merge fields
({"nti": {...}, "penalty": {...}}, every value a string: `merge.EXTRA` lists the keys) for
the letter being drafted on `case`, from the request's query arguments (for example
`nti_id=` or `notice_id=`, read with `portal.params`). Nothing is plugged in yet: {}."""
from __future__ import annotations

from collections.abc import Mapping


def extra_for(case, args: Mapping[str, str]) -> dict[str, dict[str, str]]:
    return {}
