"""What a file is, from its bytes: never from its name or the browser's Content-Type.

The documents a case takes: PDF, PNG and JPEG images, Word (.docx and 97-2003 .doc), Excel
(.xlsx) and OpenDocument text (.odt). Office Open XML and OpenDocument files are zip archives:
their structure is read (the parts each format must have), nothing is extracted. A macro-enabled
Office file (one holding a vbaProject part) is refused."""
from __future__ import annotations

import io
import zipfile

from portal.cases.models import FileType

PDF = b"%PDF-"
PNG = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8\xff"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file of Office 97-2003
ZIP = b"PK\x03\x04"
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"

# What each type is served as (the download is an attachment either way).
MEDIA_TYPES = {
    FileType.pdf: "application/pdf",
    FileType.png: "image/png",
    FileType.jpeg: "image/jpeg",
    FileType.docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    FileType.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    FileType.doc: "application/msword",
    FileType.odt: "application/vnd.oasis.opendocument.text",
}
EXTENSIONS = {FileType.pdf: "pdf", FileType.png: "png", FileType.jpeg: "jpg", FileType.docx: "docx",
              FileType.xlsx: "xlsx", FileType.doc: "doc", FileType.odt: "odt"}
ACCEPTED_TEXT = "a PDF, a PNG or JPEG image, or a Word, Excel or OpenDocument file"


def sniff(data: bytes) -> FileType | None:
    """The type of the file whose content is `data`, or None when it is none the portal takes."""
    if data.startswith(PDF):
        return FileType.pdf
    if data.startswith(PNG):
        return FileType.png
    if data.startswith(JPEG):
        return FileType.jpeg
    if data.startswith(OLE2):
        # a Word 97-2003 file holds a stream named "WordDocument" (its name in UTF-16 in the directory)
        return FileType.doc if "WordDocument".encode("utf-16-le") in data else None
    if data.startswith(ZIP):
        return _zipped(data)
    return None


def _zipped(data: bytes) -> FileType | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                return None  # macros
            if "[Content_Types].xml" in names:
                if "word/document.xml" in names:
                    return FileType.docx
                if "xl/workbook.xml" in names:
                    return FileType.xlsx
                return None
            first = archive.infolist()[0] if archive.infolist() else None
            if first is not None and first.filename == "mimetype" and first.file_size < 100 \
                    and archive.read(first).strip() == ODT_MIMETYPE and "content.xml" in names:
                return FileType.odt
    except (zipfile.BadZipFile, KeyError, ValueError, NotImplementedError, RuntimeError, OSError):
        return None
    return None
