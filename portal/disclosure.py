"""Statistical disclosure control: figures shown to partner agencies (the police) never
identify a child.

- A count below THRESHOLD is shown as "fewer than 5", zero included: next to a total the
  reader knows (the one child they met), a zero tells as much as a one.
- Partners see no percentages: a percentage of a small group is a count in disguise.

Who sees figures exactly is an access rule (`can(user, "view_exact_figures")`); every count a
partner may read goes through `count`.
"""
from __future__ import annotations

THRESHOLD = 5
FEWER_THAN = f"fewer than {THRESHOLD}"


def count(n: int, *, exact: bool) -> int | str:
    """`n` as the reader may see it: exactly, or suppressed below the threshold."""
    return n if exact or n >= THRESHOLD else FEWER_THAN
