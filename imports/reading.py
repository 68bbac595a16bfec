"""An uploaded spreadsheet read into plain rows, safely: nothing in it is ever run or evaluated.

A team's file comes as XLSX or CSV. Before any of it is trusted, the file is refused with a reason a
person can act on when it is:

- larger than ``IMPORT_MAX_BYTES``;
- a workbook whose parts unpack to more than ``IMPORT_MAX_UNPACKED_BYTES`` (a zip bomb), measured by
  unpacking them, not by what the archive claims;
- macro-enabled (``.xlsm``, a VBA project inside), the old binary ``.xls`` or an encrypted workbook;
- corrupt (not a zip, a part that fails its checksum, a workbook openpyxl cannot read);
- holding a formula: a cell of a workbook whose type is formula, or a CSV cell that starts with "=".
  Values are read as they are stored, never computed (openpyxl is asked for what the cell holds);
- longer than ``IMPORT_MAX_ROWS`` rows in a sheet, empty rows counted (a sheet of a million empty rows is
  refused without reading the million), or wider than ``MAX_COLUMNS``.

CSV is read as UTF-8 (with or without its byte-order mark) or, failing that, GB18030, which Excel on a
Chinese Windows writes; the delimiter is a comma, a tab or a semicolon, whichever the first lines use.

Workbook XML is parsed by defusedxml (openpyxl uses it when installed): no entity expansion, no external
entities.
"""

import csv
import datetime
import io
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# Wider than this is not a record sheet.
MAX_COLUMNS = 200
# How much of a CSV is looked at to choose its delimiter.
SNIFF_BYTES = 64 * 1024
UNPACK_CHUNK = 1024 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and an encrypted .xlsx
ZIP_MAGIC = b"PK\x03\x04"
MACRO_PARTS = ("xl/vbaProject.bin",)
MACRO_EXTENSIONS = (".xlsm", ".xltm", ".xlsb", ".xlam")


class ImportFileError(Exception):
    """A file that cannot be imported at all, with the reason in the reader's language."""

    def __init__(self, message, code):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class Sheet:
    """One sheet: its header (the first non-empty row) and its data rows, each with its row number in
    the file (1-based, as a spreadsheet shows it) and its cells: str, int, float, datetime or None."""

    name: str
    header: list = field(default_factory=list)
    header_row: int = 0
    rows: list = field(default_factory=list)  # [(row number, [cell, ...]), ...]


def read(data, filename):
    """The sheets of an uploaded file (bytes), or ImportFileError."""
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise ImportFileError(too_large_message(len(data)), "too_large")
    if not data.strip():
        raise ImportFileError(_("The file is empty."), "empty")
    name = (filename or "").lower()
    if name.endswith(MACRO_EXTENSIONS):
        raise ImportFileError(_macro_message(), "macro")
    if data.startswith(OLE_MAGIC):
        raise ImportFileError(
            _(
                "This is an old-format (.xls) or password-protected workbook. Save it as an .xlsx workbook "
                "without a password, or as CSV, and upload that."
            ),
            "old_format",
        )
    if data.startswith(ZIP_MAGIC):
        return _read_workbook(data)
    if name.endswith((".xlsx", ".xltx")):
        raise ImportFileError(_corrupt_message(), "corrupt")
    return [_read_csv(data)]


# Workbooks -------------------------------------------------------------------------------------


def _read_workbook(data):
    from openpyxl import load_workbook

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        _check_parts(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, RuntimeError, ValueError) as error:
        raise ImportFileError(_corrupt_message(), "corrupt") from error
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except ImportFileError:
        raise
    except Exception as error:  # openpyxl raises many kinds for a broken workbook
        raise ImportFileError(_corrupt_message(), "corrupt") from error
    try:
        return [_read_worksheet(worksheet) for worksheet in workbook.worksheets]
    except ImportFileError:
        raise
    except Exception as error:
        raise ImportFileError(_corrupt_message(), "corrupt") from error
    finally:
        workbook.close()


def _check_parts(archive):
    """Refuse macros, and unpack every part to count its real size (and check its CRC)."""
    names = archive.namelist()
    if any(name in MACRO_PARTS for name in names) or _declares_macros(archive, names):
        raise ImportFileError(_macro_message(), "macro")
    if "[Content_Types].xml" not in names:
        raise ImportFileError(_corrupt_message(), "corrupt")
    budget = settings.IMPORT_MAX_UNPACKED_BYTES
    for info in archive.infolist():
        if info.flag_bits & 0x1:
            raise ImportFileError(_corrupt_message(), "corrupt")
        with archive.open(info) as part:
            while chunk := part.read(UNPACK_CHUNK):
                budget -= len(chunk)
                if budget < 0:
                    raise ImportFileError(
                        _(
                            "The workbook unpacks to more than %(limit)s MB, far more than its records "
                            "need: it cannot be imported. Copy the records into a new workbook, or save "
                            "them as CSV."
                        )
                        % {"limit": _megabytes(settings.IMPORT_MAX_UNPACKED_BYTES)},
                        "unpacked_too_large",
                    )


def _declares_macros(archive, names):
    if "[Content_Types].xml" not in names:
        return False
    with archive.open("[Content_Types].xml") as part:
        head = part.read(UNPACK_CHUNK)
    return b"macroEnabled" in head or b"vbaProject" in head


def _read_worksheet(worksheet):
    sheet = Sheet(name=worksheet.title)
    limit = settings.IMPORT_MAX_ROWS
    # The size a sheet declares may be wrong (some programs write none, or a stale one): read them all.
    worksheet.reset_dimensions()
    for count, row in enumerate(worksheet.iter_rows(), start=1):
        if count > limit + 1:  # the header and IMPORT_MAX_ROWS records
            raise ImportFileError(_too_many_rows_message(sheet.name, limit), "too_many_rows")
        cells = []
        number = None
        for cell in row:
            if getattr(cell, "row", None) is not None:
                number = cell.row
            if cell.data_type == "f":
                raise ImportFileError(_formula_message(sheet.name, cell.coordinate), "formula")
            cells.append(_workbook_value(cell.value))
        _add_row(sheet, number or count, cells)
    return sheet


def _workbook_value(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, datetime.datetime, datetime.date, datetime.time)):
        return value
    return str(value)


# CSV -------------------------------------------------------------------------------------------


def _read_csv(data):
    text = _decode(data)
    if "\x00" in text:
        raise ImportFileError(_corrupt_message(), "corrupt")
    reader = csv.reader(io.StringIO(text, newline=""), dialect=_dialect(text))
    sheet = Sheet(name="CSV")
    limit = settings.IMPORT_MAX_ROWS
    try:
        for number, row in enumerate(reader, start=1):
            if number > limit + 1:
                raise ImportFileError(_too_many_rows_message(sheet.name, limit), "too_many_rows")
            cells = []
            for column, value in enumerate(row, start=1):
                value = value.strip()
                if value.startswith("="):
                    raise ImportFileError(_formula_message(sheet.name, _coordinate(column, number)), "formula")
                cells.append(value or None)
            _add_row(sheet, number, cells)
    except csv.Error as error:
        raise ImportFileError(_corrupt_message(), "corrupt") from error
    return sheet


def _decode(data):
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError:
            pass
    else:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                return data.decode("gb18030")
            except UnicodeDecodeError:
                pass
    raise ImportFileError(
        _("The file's text is neither UTF-8 nor GB18030. Save it as CSV (UTF-8) or as an .xlsx workbook."),
        "encoding",
    )


class _Dialect(csv.excel):
    pass


def _dialect(text):
    sample = text[:SNIFF_BYTES]
    first_lines = sample.splitlines()[:5]
    counts = {delimiter: sum(line.count(delimiter) for line in first_lines) for delimiter in (",", "\t", ";")}
    dialect = _Dialect()
    dialect.delimiter = max(counts, key=lambda delimiter: (counts[delimiter], delimiter == ","))
    return dialect


# Shared ------------------------------------------------------------------------------------------


def _add_row(sheet, number, cells):
    while cells and cells[-1] in (None, ""):
        cells.pop()
    if not cells:
        return
    if len(cells) > MAX_COLUMNS:
        raise ImportFileError(
            _("The sheet “%(sheet)s” has more than %(limit)s columns: it is not a record sheet.")
            % {"sheet": sheet.name, "limit": MAX_COLUMNS},
            "too_many_columns",
        )
    if not sheet.header:
        sheet.header = [("" if cell is None else str(cell).strip()) for cell in cells]
        sheet.header_row = number
    else:
        sheet.rows.append((number, cells))


def _coordinate(column, row):
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(column)}{row}"


def too_large_message(size):
    return _("The file is %(size)s MB; files of at most %(limit)s MB can be imported.") % {
        "size": _megabytes(size),
        "limit": _megabytes(settings.IMPORT_MAX_BYTES),
    }


def _megabytes(size):
    return f"{size / (1024 * 1024):.0f}" if size >= 1024 * 1024 else f"{size / (1024 * 1024):.1f}"


def _macro_message():
    return _(
        "Macro-enabled workbooks cannot be imported. Save the workbook as .xlsx (without macros) or as CSV, "
        "and upload that."
    )


def _corrupt_message():
    return _("The file could not be read as an .xlsx workbook or a CSV file: it may be damaged.")


def _formula_message(sheet, coordinate):
    return _(
        "Cell %(cell)s of the sheet “%(sheet)s” holds a formula. Formulas are never run here: replace "
        "them with their values (copy, then paste values only) and upload again."
    ) % {"cell": coordinate, "sheet": sheet}


def _too_many_rows_message(sheet, limit):
    return ngettext(
        "The sheet “%(sheet)s” has more than %(limit)s row (empty rows count too). Delete the empty rows "
        "below the records, or split the file.",
        "The sheet “%(sheet)s” has more than %(limit)s rows (empty rows count too). Delete the empty rows "
        "below the records, or split the file.",
        limit,
    ) % {"sheet": sheet, "limit": f"{limit:,}"}
