"""Writing XLSX workbooks fast: each sheet's XML written as text, a row at a time.

openpyxl builds an element for every cell and serialises it through its pure-Python
ElementTree writer (lxml is not installed): the order export's 1.8 million cells spent about
nine tenths of its time there. The workbook written here holds what the exports use and
nothing more — inline text, numbers, booleans, dates and times, a bold frozen header row,
column widths — in the cells openpyxl wrote before (same types, same number formats, same
number text), and Excel, LibreOffice and openpyxl (the imports) read it.

Text cells pass through the caller's `text` function (`spreadsheets.write_xlsx` neutralises
formulas and drops the characters XML forbids there) as they are written: a second pass over
the cells cost a second of the export.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from math import isinf, isnan
from typing import IO, Any

from django.utils.functional import Promise

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# The styles of `_STYLES`, by their index in cellXfs.
_HEADER, _DATE, _DATETIME, _TIME = 1, 2, 3, 4

_STYLES = (
    f'<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="21" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)

_EPOCH = dt.datetime(1899, 12, 30)
_EPOCH_ORDINAL = _EPOCH.toordinal()
# Excel's 1900 calendar counts a 29 February 1900 that never was: serials before March shift.
_FIRST_TRUE_SERIAL = 61

#: Characters a sheet name may not hold.
_BAD_SHEET_NAME = re.compile(r"[\\/*?:\[\]]")
#: zlib's level 3 compresses the order export in half the time of its default 6, into a file
#: a seventh larger (9.1 MB instead of 8.0 for the demo's 104,000 rows).
_COMPRESSION = 3
#: Sheet XML handed to the zip at a time.
_FLUSH_ROWS = 1000


def column_letter(index: int) -> str:
    """The letters of the 0-based column `index`: 0 → A, 26 → AA."""
    letters = ""
    number = index + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _text(value: str) -> str:
    if "&" in value or "<" in value or ">" in value:
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value


def _number(value: float | Decimal) -> str:
    """The text of a number, as openpyxl writes it; "" for one Excel cannot hold (NaN, ∞)."""
    if isnan(value) or isinf(value):
        return ""
    return "%.16g" % value  # noqa: UP031 - the text openpyxl writes, so files keep their numbers


def _serial(value: dt.date | dt.datetime | dt.time) -> str:
    """The Excel serial of a date, a date and time or a time of day."""
    if isinstance(value, dt.time):
        days = 0.0
        moment = value
    else:
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            raise TypeError("Excel does not support timezones in datetimes.")
        days = float(value.toordinal() - _EPOCH_ORDINAL)
        if 0 < days < _FIRST_TRUE_SERIAL:
            days -= 1
        moment = value.time() if isinstance(value, dt.datetime) else dt.time()
    if moment.tzinfo is not None:
        raise TypeError("Excel does not support timezones in times.")
    seconds = moment.hour * 3600 + moment.minute * 60 + moment.second + moment.microsecond / 1e6
    return "%.16g" % (days + seconds / 86400)


def _cell(reference: str, value: Any, text: Callable[[str], str]) -> str:
    """One `<c>` element; "" for a blank cell (None or empty text), which is left out."""
    kind = value.__class__
    if kind is str or isinstance(value, str):
        value = text(value)
        if not value:
            return ""
        space = ' xml:space="preserve"' if value != value.strip() else ""
        return f'<c r="{reference}" t="inlineStr"><is><t{space}>{_text(value)}</t></is></c>'
    if value is None:
        return ""
    if kind is bool:
        return f'<c r="{reference}" t="b"><v>{int(value)}</v></c>'
    if kind is int or (isinstance(value, int) and not isinstance(value, bool)):
        return f'<c r="{reference}" t="n"><v>{value}</v></c>'
    if isinstance(value, float | Decimal):
        number = _number(value)
        return f'<c r="{reference}" t="n"><v>{number}</v></c>' if number else ""
    if isinstance(value, dt.datetime):
        return f'<c r="{reference}" s="{_DATETIME}" t="n"><v>{_serial(value)}</v></c>'
    if isinstance(value, dt.date):
        return f'<c r="{reference}" s="{_DATE}" t="n"><v>{_serial(value)}</v></c>'
    if isinstance(value, dt.time):
        return f'<c r="{reference}" s="{_TIME}" t="n"><v>{_serial(value)}</v></c>'
    if isinstance(value, Promise):  # a translated label
        return _cell(reference, str(value), text)
    raise TypeError(f"Cannot write {value!r} to a spreadsheet cell.")


class RowLimitExceeded(Exception):
    """A sheet has more rows than allowed; the workbook was not finished."""


def _sheet_data(
    out: IO[bytes],
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    max_rows: int,
    text: Callable[[str], str],
) -> tuple[int, int]:
    """Write the `<row>`s of a sheet to `out`; (rows, columns) written, the header included."""
    letters: list[str] = []
    width = len(header)

    def references(count: int) -> list[str]:
        while len(letters) < count:
            letters.append(column_letter(len(letters)))
        return letters

    names = references(width)
    cells = "".join(
        _cell(names[index] + "1", title, text).replace("<c ", f'<c s="{_HEADER}" ', 1)
        for index, title in enumerate(header)
        if title is not None and title != ""
    )
    parts = [f'<row r="1">{cells}</row>']
    number = 1
    for number, row in enumerate(rows, start=2):
        if number > max_rows:
            raise RowLimitExceeded()
        if len(row) > width:
            width = len(row)
            names = references(width)
        label = str(number)
        parts.append(
            f'<row r="{label}">'
            + "".join([_cell(names[index] + label, value, text) for index, value in enumerate(row)])
            + "</row>"
        )
        if len(parts) >= _FLUSH_ROWS:
            out.write("".join(parts).encode())
            parts.clear()
    out.write("".join(parts).encode())
    return number, width


def _sheet_head(rows: int, columns: int, widths: Sequence[float]) -> str:
    last = f"{column_letter(max(columns, 1) - 1)}{rows}"
    columns_xml = "".join(
        f'<col min="{index}" max="{index}" width="{width}" customWidth="1"/>'
        for index, width in enumerate(widths, start=1)
    )
    return (
        f'{_DECLARATION}<worksheet xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}">'
        f'<dimension ref="A1:{last}"/>'
        '<sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
        "</sheetView></sheetViews>"
        '<sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{columns_xml}</cols>" if columns_xml else "")
        + "<sheetData>"
    )


_SHEET_TAIL = (
    '</sheetData><pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" '
    'footer="0.5"/></worksheet>'
)


def _sheet_names(names: Iterable[str]) -> list[str]:
    """Names Excel accepts: no forbidden characters, at most 31 characters, each once."""
    taken: set[str] = set()
    result = []
    for raw in names:
        base = _BAD_SHEET_NAME.sub("_", raw)[:31].strip("'") or "Sheet"
        name, counter = base, 1
        while name.casefold() in taken:
            suffix = str(counter)
            name, counter = base[: 31 - len(suffix)] + suffix, counter + 1
        taken.add(name.casefold())
        result.append(name)
    return result


def _attribute(text: str) -> str:
    return _text(text).replace('"', "&quot;")


def write_workbook(
    sheets: Sequence[tuple[str, Sequence[Any], Iterable[Sequence[Any]], Sequence[float]]],
    *,
    max_rows: int,
    text: Callable[[str], str] = str,
) -> bytes:
    """An XLSX workbook of (name, header, rows, column widths) sheets, each row a sequence of
    str, int, float, Decimal, bool, date, datetime, time or None; text cells pass through
    `text` first.

    `RowLimitExceeded` when a sheet has more than `max_rows` rows, its header included.
    """
    names = _sheet_names(name for name, *_ in sheets)
    buffer = io.BytesIO()
    with zipfile.ZipFile(
        buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=_COMPRESSION
    ) as zip_file:
        for number, (_name, header, rows, widths) in enumerate(sheets, start=1):
            # The rows go to a temporary file first: the dimension is written before them,
            # and the zip learns the sheet's size (a sheet over 2 GB needs a ZIP64 entry).
            with tempfile.TemporaryFile() as data:
                row_count, column_count = _sheet_data(
                    data, header, rows, max_rows=max_rows, text=text
                )
                head = _sheet_head(row_count, column_count, widths).encode()
                tail = _SHEET_TAIL.encode()
                size = len(head) + data.tell() + len(tail)
                data.seek(0)
                with zip_file.open(
                    f"xl/worksheets/sheet{number}.xml",
                    "w",
                    force_zip64=size * 1.05 > zipfile.ZIP64_LIMIT,  # zipfile's own margin
                ) as member:
                    member.write(head)
                    shutil.copyfileobj(data, member, 1024 * 1024)
                    member.write(tail)
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{number}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for number in range(1, len(sheets) + 1)
        )
        parts = {
            "[Content_Types].xml": (
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                f"{overrides}</Types>"
            ),
            "_rels/.rels": (
                f'<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
                '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                "</Relationships>"
            ),
            "xl/workbook.xml": (
                f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}"><bookViews><workbookView/>'
                "</bookViews><sheets>"
                + "".join(
                    f'<sheet name="{_attribute(name)}" sheetId="{number}" r:id="rId{number}"/>'
                    for number, name in enumerate(names, start=1)
                )
                + "</sheets></workbook>"
            ),
            "xl/_rels/workbook.xml.rels": (
                f'<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
                + "".join(
                    f'<Relationship Id="rId{number}" Type="{_RELATIONSHIPS}/worksheet" '
                    f'Target="worksheets/sheet{number}.xml"/>'
                    for number in range(1, len(sheets) + 1)
                )
                + f'<Relationship Id="rId{len(sheets) + 1}" Type="{_RELATIONSHIPS}/styles" '
                'Target="styles.xml"/></Relationships>'
            ),
            "xl/styles.xml": _STYLES,
        }
        for path, xml in parts.items():
            zip_file.writestr(path, _DECLARATION + xml)
    return buffer.getvalue()
