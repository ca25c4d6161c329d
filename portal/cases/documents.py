"""Documents on a case: attach a file (a letter, a contract, medical evidence, a photo of a
signed form), and remove it (soft, with a reason; the file is deleted from disk once the removal
is committed).

A file is taken only when its bytes say it is a type the portal accepts (`filetypes.sniff`) and
it is no larger than MAX_DOCUMENT_BYTES. It is stored in DOCUMENTS_DIR (outside the web root)
under a random name with mode 0600, and served only by the access-checked, audited download
(`documents_views`). Each document has a chronology entry; the police see the entry and the file
only when the person who attached it chose so for this document, and never medical evidence."""
from __future__ import annotations

import os
import re
import secrets
import unicodedata
from pathlib import Path
from typing import Any

from flask import current_app

from portal import access, audit, transaction
from portal.cases.filetypes import ACCEPTED_TEXT, EXTENSIONS, sniff
from portal.cases.models import (
    DOCUMENT_CATEGORIES,
    HEALTH_CATEGORIES,
    Case,
    CaseDocument,
    ChronologyEntry,
    DocumentStatus,
    FileType,
)
from portal.errors import Refused
from portal.extensions import db
from portal.orgs.models import User
from portal.timeutil import utcnow

CATEGORY_LABELS = dict(DOCUMENT_CATEGORIES)
_STORED_NAME = re.compile(r"[0-9a-f]{48}")


def max_bytes() -> int:
    return int(current_app.config.get("MAX_DOCUMENT_BYTES") or 10 * 1024 * 1024)


def max_text() -> str:
    size = max_bytes()
    return f"{size // (1024 * 1024)} MB" if size >= 1024 * 1024 else f"{max(1, size // 1024)} KB"


def documents_dir() -> Path:
    folder = Path(current_app.config["DOCUMENTS_DIR"])
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def path_of(document: Any) -> Path:
    """Where a stored file is: a case's document, or any record with a `stored_name` made here."""
    if not _STORED_NAME.fullmatch(document.stored_name):  # never a path from anywhere else
        raise ValueError("not a stored document name")
    return documents_dir() / document.stored_name


def safe_filename(name: str, file_type) -> str:
    """The name a file was sent with, made safe to show and to offer on download: no folders,
    no control characters, at most 150 characters, and the extension of what it really is."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = "".join(ch for ch in stem if unicodedata.category(ch)[0] != "C" and ch not in '<>:"|?*').strip(" .")
    return f"{(stem or 'document')[:150]}.{EXTENSIONS[file_type]}"


def _write(data: bytes) -> str:
    """Store `data` under a new random name, readable and writable by the portal alone."""
    name = secrets.token_hex(24)
    path = documents_dir() / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        with os.fdopen(fd, "wb") as out:
            out.write(data)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return name


def store_checked(data: bytes, filename: str, field: str = "file") -> tuple[str, FileType, str]:
    """Check a file as a case's documents are checked (not empty, at most `max_bytes()`, a type
    the portal takes by its bytes) and store it: (stored name, type, safe file name). Another part
    of the portal (a school's self-assessment evidence) keeps its own record of it and serves it
    through its own access-checked, audited download (`path_of` takes any record with a
    `stored_name`). Refused (on `field`) otherwise."""
    if not data:
        raise Refused(problems={field: "The selected file is empty"})
    if len(data) > max_bytes():
        raise Refused(problems={field: f"The file must be {max_text()} or smaller"})
    file_type = sniff(data)
    if file_type is None:
        raise Refused(problems={field: f"The file must be {ACCEPTED_TEXT}"})
    return _write(data), file_type, safe_filename(filename, file_type)


def delete_stored_files(stored_names) -> None:
    """Delete the files of documents whose records have gone (the retention run, after its
    commit). A name that is not one the portal made is skipped, never taken as a path."""
    for name in stored_names:
        if _STORED_NAME.fullmatch(name or ""):
            _delete(documents_dir() / name)


def _delete(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:  # the removal stands; the file is left for the retention job
        current_app.logger.exception("could not delete a removed document's file")


def add_document(actor: User, case: Case, *, data: bytes, filename: str, title: str, category: str,
                 police_shareable: bool = False, entry_kind: str = "document",
                 entry_text: str | None = None) -> CaseDocument:
    """Attach a file to the case, with its chronology entry, in the caller's transaction.
    Another part of the portal (a letter marked sent) may give the entry its own kind and
    wording (`entry_kind`, `entry_text`); the police wording stays as chosen here."""
    problems: dict[str, str] = {}
    file_type = None
    if case.is_closed:
        raise Refused("Documents cannot be added to a closed case.")
    if not data:
        problems["file"] = "The selected file is empty"
    elif len(data) > max_bytes():
        problems["file"] = f"The file must be {max_text()} or smaller"
    else:
        file_type = sniff(data)
        if file_type is None:
            problems["file"] = f"The file must be {ACCEPTED_TEXT}"
    if category not in CATEGORY_LABELS:
        problems["category"] = "Select what kind of document this is"
    health = category in HEALTH_CATEGORIES
    # what the police attach is theirs to see; others choose, per document
    police = police_shareable or access.police_see_own_entries(actor)
    if health and police:
        problems["police_shareable"] = ("Medical evidence is never shared with the police: untick the box, "
                                        "or choose another kind of document")
    title = " ".join((title or "").split())
    if len(title) > 200:
        problems["title"] = "The description must be 200 characters or fewer"
    if problems or file_type is None:
        raise Refused("The document was not added: " + "; ".join(problems.values()) + ".", problems)
    safe_name = safe_filename(filename, file_type)
    text = f"Document added: {title} ({CATEGORY_LABELS[category]}, {safe_name})" if title \
        else f"Document added: {safe_name} ({CATEGORY_LABELS[category]})"
    title = title or safe_name
    text = entry_text or text
    entry = ChronologyEntry(case_id=case.id, kind=entry_kind, occurred_at=utcnow(), author_id=actor.id,
                            organisation_id=actor.organisation_id, text=text,
                            police_text=f"Document added: {title}" if police else None, health=health)
    db.session.add(entry)
    db.session.flush()
    stored = _write(data)
    try:
        document = CaseDocument(case_id=case.id, entry_id=entry.id, title=title, category=category,
                                filename=safe_name, stored_name=stored, file_type=file_type, size=len(data),
                                police_shareable=police and not health, health=health, uploaded_by_id=actor.id)
        db.session.add(document)
        db.session.flush()
        audit.record(actor, "document_added", case,
                     summary=f"document #{document.id} ({file_type.value}, {len(data)} bytes"
                             f"{', shared with police' if document.police_shareable else ''})")
        db.session.flush()
    except BaseException:
        (documents_dir() / stored).unlink(missing_ok=True)
        raise
    return document


def remove_document(actor: User, document: CaseDocument, reason: str) -> None:
    """Soft removal with a reason: the record and its (struck-through) entry stay; the file is
    deleted from disk once the removal is committed."""
    if document.status != DocumentStatus.kept:
        raise Refused("This document has already been removed.")
    reason = reason.strip()
    if not reason:
        raise Refused("Say why the document is removed.", {"reason": "Enter why the document is removed"})
    now = utcnow()
    document.status = DocumentStatus.removed
    document.removed_at, document.removed_by_id, document.remove_reason = now, actor.id, reason
    entry = document.entry
    if entry.struck_at is None:
        entry.struck_at, entry.struck_by_id, entry.strike_reason = now, actor.id, f"Document removed: {reason}"
    audit.record(actor, "document_removed", document, object_type="CaseDocument", summary=reason[:200])
    db.session.flush()
    path = path_of(document)
    transaction.after_commit(lambda: _delete(path))
