"""Cells of the exports (CSV, XLSX) that a spreadsheet program shows as the text itself, never runs.

A cell that starts with = + - @ is taken for a formula (CSV injection, OWASP), and so, by some
spreadsheet programs and input methods, are their full-width forms ＝ ＋ － ＠; a leading tab or
carriage return can hide such a start. In CSV, text starting so gets a leading apostrophe, as OWASP
advises. In XLSX it is a string cell with Excel's quote prefix: the cell holds the text itself, shows
no apostrophe, and editing it does not turn it into a formula. Numbers and dates stay numbers and dates.
"""

import datetime
import re
import zipfile
from decimal import Decimal

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.datetime import to_excel

FORMULA_STARTS = ("=", "+", "-", "@", "＝", "＋", "－", "＠", "\t", "\r")

_KEPT = int | float | Decimal | datetime.date | datetime.time


def looks_like_formula(text):
    return text.startswith(FORMULA_STARTS)


_FORMULA_FIRST = frozenset(start[0] for start in FORMULA_STARTS)


def _text(value):
    # Control characters have no place in a spreadsheet (XLSX refuses them outright).
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def csv_cell(value):
    """A CSV cell: nothing for None, numbers and dates as they are, text that could run quoted."""
    if type(value) is str and not ILLEGAL_CHARACTERS_RE.search(value):
        # Most text: no control character, and only a look at its first character.
        return "'" + value if value[:1] in _FORMULA_FIRST and looks_like_formula(value) else value
    if value is None:
        return ""
    if isinstance(value, _KEPT):
        return value
    text = _text(value)
    return "'" + text if looks_like_formula(text) else text


def xlsx_cell(sheet, value):
    """What to append to an XLSX sheet (write-only or not) for one value: numbers and dates as they
    are, text as a string cell (line breaks as line feeds), marked as text where it could be taken for
    a formula."""
    if value is None or isinstance(value, _KEPT):
        return value
    text = _text(value)
    formula_like = looks_like_formula(text)
    # A line break in a cell is a line feed (XML would read a carriage return back as one anyway).
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not formula_like:
        return text
    cell = WriteOnlyCell(sheet, value=text)
    # openpyxl takes a value starting with "=" for a formula; this one is text.
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


# A workbook written as it goes ---------------------------------------------------------------------
#
# openpyxl makes an object of every cell, which at hundreds of thousands of rows is most of an export's
# time. SheetWriter writes the one worksheet's XML itself, row by row, straight into the zip file: text
# as inline strings (no shared-strings table to hold in memory), numbers and dates as numbers with the
# few styles they need, the formula guard and the control characters handled as xlsx_cell does.

_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})
# What XML 1.0 cannot hold (ILLEGAL_CHARACTERS_RE's control characters, lone surrogates, U+FFFE and
# U+FFFF), what it must escape, and the carriage returns a cell holds as line feeds.
_UNPLAIN_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\r&<>\ud800-\udfff\ufffe\uffff]")
_NOT_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Short texts repeat from row to row (names, labels): their cells are kept, up to so many.
_KEPT_TEXT_LENGTH = 80
_KEPT_TEXTS = 20_000

_EXCEL_EPOCH_ORDINAL = datetime.date(1899, 12, 30).toordinal()
# Before 1 March 1900 (serial 61) Excel's serial numbers count a 29 February 1900 that never was.
_FIRST_PLAIN_SERIAL = 61

# The cells' styles (s="…") are positions in the cellXfs of _STYLES: 1 a date, 2 a date and time, 3 text
# that could be taken for a formula (Excel's quote prefix).


def _escaped(text):
    return text.translate(_XML_ESCAPES)


def _text_tail(text):
    """What follows a text cell's reference: its attributes (the quote prefix where the text could be
    taken for a formula) and its inline string; "" when nothing of the text is left to show."""
    if not text:
        return ""
    if _UNPLAIN_RE.search(text):
        text = _NOT_XML_RE.sub("", text)
        if not text:
            return ""
        formula_like = looks_like_formula(text)
        text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_XML_ESCAPES)
    else:
        formula_like = text[0] in _FORMULA_FIRST and looks_like_formula(text)
    # Only the space, the tab and the line feed are left at or below " ": they need keeping at the edges.
    if text[0] <= " " or text[-1] <= " ":
        inner = f'<is><t xml:space="preserve">{text}</t></is></c>'
    else:
        inner = f"<is><t>{text}</t></is></c>"
    return (' s="3" t="inlineStr">' if formula_like else ' t="inlineStr">') + inner


def _serial(value):
    """An Excel serial day number for a date or a naive date and time."""
    days = value.toordinal() - _EXCEL_EPOCH_ORDINAL
    if days < _FIRST_PLAIN_SERIAL:
        return repr(to_excel(value))
    if type(value) is datetime.date:
        return str(days)
    seconds = value.hour * 3600 + value.minute * 60 + value.second
    if not seconds and not value.microsecond:
        return str(days)
    return repr(days + (seconds + value.microsecond / 1_000_000) / 86400)


def _naive(value):
    if value.tzinfo is not None:
        raise TypeError("A spreadsheet date carries no time zone: give the local time.")
    return value


def column_letter(index):
    """The letters of the 1-based column `index`: 1 is A, 27 is AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class SheetWriter:
    """One worksheet, written into an XLSX file (a path or a binary file) row by row:

        with SheetWriter(target, title, widths, date_format="yyyy-mm-dd", ...) as sheet:
            sheet.write_row(header)
            for row in rows:
                sheet.write_row(row)

    The first row is the header: it stays in view and carries the filter buttons over every row
    written. A cell is None or "" (no cell), text, a number (int, float, Decimal), a bool, a date or a
    naive date and time (a date cell in `date_format` or `datetime_format`). Text starting like a
    formula is a string cell with the quote prefix; control characters are left out, as in xlsx_cell."""

    FLUSH_EVERY = 500  # rows held before they go to the zip stream

    def __init__(self, target, title, widths, *, date_format, datetime_format):
        self.title = title[:31]
        self.widths = list(widths)
        self.date_format = date_format
        self.datetime_format = datetime_format
        self.letters = [column_letter(index) for index in range(1, len(self.widths) + 1)]
        self.rows_written = 0
        self._pending = []
        self._texts = {}
        self._zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        self._sheet = None

    def __enter__(self):
        self._sheet = self._zip.open("xl/worksheets/sheet1.xml", "w")
        self._sheet.write(self._sheet_start().encode())
        return self

    def __exit__(self, kind, error, trace):
        try:
            if kind is None:
                self._flush()
                self._sheet.write(self._sheet_end().encode())
                self._sheet.close()
                self._write_parts()
        finally:
            if kind is not None and self._sheet is not None:
                self._sheet.close()
            self._zip.close()
        return False

    def write_row(self, values):
        self.rows_written += 1
        number = str(self.rows_written)
        cells = [f'<row r="{number}">']
        append = cells.append
        texts = self._texts
        for letter, value in zip(self.letters, values, strict=False):
            if not value and (value is None or value == ""):
                continue
            kind = type(value)
            if kind is str:
                tail = texts.get(value)
                if tail is None:
                    tail = _text_tail(value)
                    if len(value) <= _KEPT_TEXT_LENGTH:
                        if len(texts) >= _KEPT_TEXTS:
                            texts.clear()
                        texts[value] = tail
                if tail:
                    append(f'<c r="{letter}{number}"{tail}')
            elif kind is int or kind is Decimal or kind is float:
                append(f'<c r="{letter}{number}"><v>{value}</v></c>')
            elif kind is datetime.datetime:
                append(f'<c r="{letter}{number}" s="2"><v>{_serial(_naive(value))}</v></c>')
            elif kind is datetime.date:
                append(f'<c r="{letter}{number}" s="1"><v>{_serial(value)}</v></c>')
            elif kind is bool:
                append(f'<c r="{letter}{number}" t="b"><v>{int(value)}</v></c>')
            else:
                append(self._other_cell(f"{letter}{number}", value))
        append("</row>")
        self._pending.append("".join(cells))
        if len(self._pending) >= self.FLUSH_EVERY:
            self._flush()

    def _other_cell(self, reference, value):
        """Subclasses of the types write_row knows, and anything else as its text."""
        if isinstance(value, bool):
            return f'<c r="{reference}" t="b"><v>{int(value)}</v></c>'
        if isinstance(value, float):
            return f'<c r="{reference}"><v>{float(value)!r}</v></c>'
        if isinstance(value, int | Decimal):
            return f'<c r="{reference}"><v>{value}</v></c>'
        if isinstance(value, datetime.datetime):
            return f'<c r="{reference}" s="2"><v>{_serial(_naive(value))}</v></c>'
        if isinstance(value, datetime.date):
            return f'<c r="{reference}" s="1"><v>{_serial(value)}</v></c>'
        tail = _text_tail(str(value))
        return f'<c r="{reference}"{tail}' if tail else ""

    def _flush(self):
        if self._pending:
            self._sheet.write("".join(self._pending).encode())
            self._pending.clear()

    def _sheet_start(self):
        columns = "".join(
            f'<col min="{index}" max="{index}" width="{width}" customWidth="1"/>'
            for index, width in enumerate(self.widths, start=1)
        )
        return (
            _XML_DECLARATION + f'<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_RELATIONSHIPS_NS}">'
            '<sheetPr><outlinePr summaryBelow="1" summaryRight="1"/></sheetPr>'
            '<sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
            "</sheetView></sheetViews>"
            '<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>'
            f"<cols>{columns}</cols>"
            "<sheetData>"
        )

    def _filter_range(self):
        return f"A1:{self.letters[-1]}{max(self.rows_written, 1)}"

    def _sheet_end(self):
        return f'</sheetData><autoFilter ref="{self._filter_range()}"/></worksheet>'

    def _write_parts(self):
        title = _escaped(self.title)
        sheet_name = "'" + self.title.replace("'", "''") + "'"
        end = f"${self.letters[-1]}${max(self.rows_written, 1)}"
        defined = _escaped(f"{sheet_name}!$A$1:{end}")
        workbook = (
            _XML_DECLARATION + f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_RELATIONSHIPS_NS}">'
            '<bookViews><workbookView activeTab="0"/></bookViews>'
            f'<sheets><sheet name="{title}" sheetId="1" r:id="rId1"/></sheets>'
            f'<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">{defined}'
            "</definedName></definedNames>"
            '<calcPr calcId="124519" fullCalcOnLoad="1"/>'
            "</workbook>"
        )
        styles = _STYLES.format(date=_escaped(self.date_format), datetime=_escaped(self.datetime_format))
        created = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for name, text in (
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _ROOT_RELATIONSHIPS),
            ("docProps/app.xml", _APP_PROPERTIES),
            ("docProps/core.xml", _CORE_PROPERTIES.format(created=created)),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELATIONSHIPS),
            ("xl/styles.xml", styles),
        ):
            self._zip.writestr(name, text)


_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELATIONSHIPS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_CONTENT_TYPES = (
    _XML_DECLARATION + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml"'
    ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml"'
    ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml"'
    ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/core.xml"'
    ' ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml"'
    ' ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    "</Types>"
)
_ROOT_RELATIONSHIPS = (
    _XML_DECLARATION + f'<Relationships xmlns="{_PACKAGE_RELATIONSHIPS_NS}">'
    '<Relationship Id="rId1" Target="xl/workbook.xml"'
    ' Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    '<Relationship Id="rId2" Target="docProps/core.xml"'
    ' Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"/>'
    '<Relationship Id="rId3" Target="docProps/app.xml"'
    ' Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties"/>'
    "</Relationships>"
)
_WORKBOOK_RELATIONSHIPS = (
    _XML_DECLARATION + f'<Relationships xmlns="{_PACKAGE_RELATIONSHIPS_NS}">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml"'
    ' Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
    '<Relationship Id="rId2" Target="styles.xml"'
    ' Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"/>'
    "</Relationships>"
)
_APP_PROPERTIES = (
    _XML_DECLARATION + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>SalesRecord</Application></Properties>"
)
_CORE_PROPERTIES = (
    _XML_DECLARATION
    + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
    ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:creator>SalesRecord</dc:creator>"
    '<dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">{created}</dcterms:modified>'
    "</cp:coreProperties>"
)
# cellXfs: the default, a date, a date and time, the quote prefix (the s="…" of SheetWriter's cells).
_STYLES = (
    _XML_DECLARATION + f'<styleSheet xmlns="{_MAIN_NS}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="{date}"/>'
    '<numFmt numFmtId="165" formatCode="{datetime}"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/>'
    '<scheme val="minor"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
