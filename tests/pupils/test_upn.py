"""Unique Pupil Number check (DOMAIN.md, "Unique Pupil Number (UPN)")."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from portal.pupils import upn

VECTORS_CSV = Path(__file__).resolve().parent.parent / "data" / "upn-vectors.csv"


def _vectors() -> list[tuple[str, str]]:
    # newline="" lets csv handle the file's CRLF line endings; the upn values are passed on
    # exactly as written (leading/trailing spaces, lower case): check() must normalise them.
    with VECTORS_CSV.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows, "no UPN test vectors found"
    return [(row["upn"], row["expected"]) for row in rows]


VECTORS = _vectors()


def test_vectors_file_has_both_outcomes():
    expected = {e for _, e in VECTORS}
    assert expected == {"valid", "invalid"}


@pytest.mark.parametrize(("value", "expected"), VECTORS, ids=[repr(v) for v, _ in VECTORS])
def test_upn_vector(value, expected):
    assert upn.check(value).valid == (expected == "valid")
    assert upn.is_valid(value) == (expected == "valid")


# --- the worked examples in DOMAIN.md ------------------------------------------------------

def test_worked_example_b801200005001():
    result = upn.check("B801200005001")
    assert result.valid
    assert result.error is None
    assert not result.temporary
    assert result.upn == "B801200005001"


def test_worked_example_sum_93_gives_b():
    body = "801200005001"
    assert sum(w * int(c) for w, c in enumerate(body, start=2)) == 93
    assert 93 % 23 == 1
    assert upn.check_letter(body) == "B"


def test_worked_example_p207000016049():
    body = "207000016049"
    assert sum(w * int(c) for w, c in enumerate(body, start=2)) == 266
    assert 266 % 23 == 13
    assert upn.check_letter(body) == "P"
    assert upn.check("P207000016049").valid


def test_alphabet_has_no_i_o_or_s():
    assert upn.ALPHABET == "ABCDEFGHJKLMNPQRTUVWXYZ"
    assert len(upn.ALPHABET) == 23
    assert not set("IOS") & set(upn.ALPHABET)


def test_wrong_check_letter_is_invalid():
    result = upn.check("C801200005001")
    assert not result.valid
    assert "check letter is wrong" in result.error


# --- normalisation ------------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["b801200005001", " B801200005001 ", "\tb801200005001\n"])
def test_check_trims_and_upper_cases(raw):
    result = upn.check(raw)
    assert result.valid
    assert result.upn == "B801200005001"


def test_none_and_empty_are_invalid():
    assert not upn.check("").valid
    assert not upn.check(None).valid
    assert "13 characters" in upn.check("").error


# --- temporary UPNs -----------------------------------------------------------------------

def test_temporary_upn_last_character_a_letter():
    result = upn.check("D33078665074B")
    assert result.valid
    assert result.temporary is True


def test_temporary_upn_letter_counts_as_its_alphabet_index():
    # position 13 = "B" counts as 1 (its index in ALPHABET), not as a digit
    body = "33078665074B"
    total = sum(w * int(c) for w, c in enumerate(body[:-1], start=2)) + 13 * upn.ALPHABET.index("B")
    assert upn.check_letter(body) == upn.ALPHABET[total % 23] == "D"


def test_temporary_upn_lower_case_letter_is_normalised():
    result = upn.check("d33078665074b")
    assert result.valid and result.temporary
    assert result.upn == "D33078665074B"


def test_permanent_upn_is_not_temporary():
    assert upn.check("P207000016049").temporary is False


def test_invalid_upn_is_not_reported_temporary():
    assert upn.check("C91990912017U").temporary is False


# --- specific error messages --------------------------------------------------------------

@pytest.mark.parametrize("raw", ["B80120000500", "B8012000050011", "B", "B801200005001X"])
def test_wrong_length(raw):
    result = upn.check(raw)
    assert not result.valid
    assert "13 characters" in result.error


def test_first_letter_i_rejected():
    result = upn.check("I801200005001")
    assert not result.valid
    assert "check letter (not I, O or S)" in result.error


@pytest.mark.parametrize("first", ["I", "O", "S", "1"])
def test_first_character_must_be_a_check_letter(first):
    result = upn.check(first + "801200005001")
    assert not result.valid
    assert "must start with a check letter" in result.error


@pytest.mark.parametrize("last", ["I", "O", "S"])
def test_last_letter_i_o_s_rejected(last):
    result = upn.check("B80120000500" + last)
    assert not result.valid
    assert "last character" in result.error
    assert "not I, O or S" in result.error


@pytest.mark.parametrize("raw", [
    "B8012000O5001",   # letter O in the middle
    "B8012000I5001",   # letter I in the middle
    "B80120000S001",   # letter S in the middle
    "B8A1200005001",   # any other letter
    "B801-00005001",   # punctuation
    "B801 00005001",   # inner space (not trimmed)
    "B８01200005001",  # full-width digit: isdigit() but not ASCII
])
def test_non_digits_in_the_middle(raw):
    result = upn.check(raw)
    assert not result.valid
    assert "Characters 2 to 12" in result.error
    assert "must be digits" in result.error


def test_non_ascii_digit_last_character_rejected():
    result = upn.check("B80120000500٣")  # Arabic-Indic digit three
    assert not result.valid
    assert "last character" in result.error
