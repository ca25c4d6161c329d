class Conflict(Exception):
    """A stale write: someone changed the record since the form was loaded."""

    def __init__(self, current):
        super().__init__("stale write")
        self.current = current


class Refused(Exception):
    """A rule of the domain refuses the change; the message says why."""

    def __init__(self, message: str, problems: list[tuple[str, str]] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []
