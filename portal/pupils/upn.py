"""Unique Pupil Number: 13 characters, a check letter then LA (3), establishment (4), year (2)
and serial (3; the last may be a letter in a temporary UPN). DfE check-letter rule: characters
2-13 times weights 2-13 (a letter in position 13 counts as its index in ALPHABET), sum mod 23,
mapped onto ALPHABET."""
from __future__ import annotations

from dataclasses import dataclass

ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"  # no I, O or S


@dataclass(frozen=True)
class UpnCheck:
    upn: str  # normalised (trimmed, upper-cased)
    error: str | None = None
    temporary: bool = False

    @property
    def valid(self) -> bool:
        return self.error is None

    @property
    def la_number(self) -> str:
        return self.upn[1:4]

    @property
    def warning(self) -> str | None:
        """A valid UPN whose LA number is not an English LA code: a warning, not an error
        (DOMAIN.md: lists go stale)."""
        if not self.valid:
            return None
        return la_warning(self.upn)


def normalise(raw: str) -> str:
    return (raw or "").strip().upper()


def check_letter(body: str) -> str:
    """The check letter for characters 2-13 (12 characters)."""
    total = 0
    for weight, char in enumerate(body, start=2):
        total += weight * (ALPHABET.index(char) if char.isalpha() else int(char))
    return ALPHABET[total % 23]


def make_upn(establishment: str, year: int, serial: int, la: str = "820") -> str:
    """A valid permanent UPN from its parts: LA number (820 unless given), establishment (4
    digits), year (its last two digits) and serial (0-999), with its check letter."""
    body = f"{la}{establishment}{year % 100:02d}{serial:03d}"
    return check_letter(body) + body


def check(raw: str) -> UpnCheck:
    upn = normalise(raw)
    if len(upn) != 13:
        return UpnCheck(upn, "A UPN must be 13 characters")
    first, middle, last = upn[0], upn[1:12], upn[12]
    if not middle.isdigit() or not middle.isascii():
        return UpnCheck(upn, "Characters 2 to 12 of a UPN must be digits")
    if first not in ALPHABET:
        return UpnCheck(upn, "A UPN must start with a check letter (not I, O or S)")
    if not (last.isdigit() and last.isascii()) and last not in ALPHABET:
        return UpnCheck(upn, "The last character of a UPN must be a digit, "
                             "or a letter (not I, O or S) in a temporary UPN")
    if check_letter(upn[1:]) != first:
        return UpnCheck(upn, "The UPN's check letter is wrong – check it has been copied correctly")
    return UpnCheck(upn, None, temporary=last.isalpha())


def la_warning(upn: str) -> str | None:
    """The warning for a UPN whose LA number (characters 2-4) is not an English LA code."""
    from portal.pupils.la_codes import la_name

    number = normalise(upn)[1:4]
    if la_name(number) is not None:
        return None
    return (f"The UPN's LA number {number} is not an English local authority code: check the UPN was copied "
            "correctly (it is accepted: the list of codes may be out of date)")


def is_valid(raw: str) -> bool:
    return check(raw).valid
