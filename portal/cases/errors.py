from portal.concurrency import Conflict  # noqa: F401  (re-exported for the cases package)


class Refused(Exception):
    """A rule of the domain refuses the change; the message says why."""

    def __init__(self, message: str, problems: list[tuple[str, str]] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []
