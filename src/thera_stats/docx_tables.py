"""Report tables as a Word document (DOCX), the form a clinical study report is written in.

:func:`tables_to_docx` writes any number of :class:`~thera_stats.tables.Table`
objects (for example every table of ``analyze(trial).tables()``) into one
``.docx`` file that a medical writer can paste from or append to a clinical
study report; :func:`table_to_docx` writes one. Each table gets

* a numbered caption "Table N. <title>" above it, in Word's *Caption* style
  with a ``SEQ Table`` field, so Word's "Insert Table of Figures" and
  cross-references work on it;
* a header row that Word and LibreOffice repeat at the top of every page the
  table runs onto, and rows that are never split across pages;
* the clinical layout: horizontal rules only (a 1 pt rule above the header, a
  0.5 pt rule under it, a 1 pt rule under the last row), the first column and
  columns of words left-aligned, columns of numbers right-aligned as in the
  text rendering;
* its footnotes (``table.notes``) below it in smaller type;
* a page of its own, in landscape when its columns would not fit the width of
  a portrait page (see Notes).

The cells are written exactly as :class:`~thera_stats.tables.Table` holds
them (the numbers a reader sees), including ``≥``, ``−`` (U+2212), ``µ`` and
any other Unicode text; the font is Arial, which Word ships and LibreOffice
replaces by the metrically identical Liberation Sans, so line breaks fall in
the same places in both. Paragraph styles named "Table Text", "Table Heading",
"Table Note" and "Tables Title" carry the formatting, so a writer can restyle
every table at once to the house style of the report.

The same tables give the same bytes: the document's created and modified dates
are fixed (``SOURCE_DATE_EPOCH`` when set, else 1980-01-01, the earliest date
a ZIP file can hold) and so are the dates of the ZIP entries, which
python-docx would otherwise stamp with the time of writing.

Notes
-----
**Why DOCX, written by python-docx, and not RTF.** Statistical programmers
hand tables to medical writers as RTF or DOCX. DOCX (Office Open XML,
ECMA-376 [2]_) is the format the clinical study report itself is written in:
Word saves it natively and opens it without conversion, LibreOffice and Google
Docs read it, and everything a report table needs (repeated header rows, rows
kept whole, caption fields, named styles, landscape sections) is documented
XML that a test can read back. python-docx [1]_ writes it: documented,
maintained since 2013 under the MIT licence, pure Python on top of lxml, and
already one of the ``report`` extra's dependencies. RTF (specification 1.9.1,
unchanged since 2008) is opened by Word through a converter and needs every
non-ASCII character escaped; its well-kept Python writer, rtflite [3]_
(pharmaverse's port of R's r2rtf), would be a second dependency writing the same
tables in a format Word and LibreOffice already produce from the DOCX file
("Save As" RTF) when a sponsor's process asks for RTF.

A table goes on a landscape page when the width its columns need exceeds the
text width of a portrait page (A4 or US Letter with 2.5 cm margins). The width
a column needs is estimated from its text: the longest line of its cells or
the longest word of its (bold) header, counting at most 40 characters (longer
text wraps), at 5 pt per character (the advance of a digit in 9 pt Arial) plus
the 0.19 cm cell margins on either side. On the page, the columns then ask for
a little more: a header of at most 15 characters on one line, row labels (the
first column) up to 60 characters. When those fit, the columns share the text
width in proportion to them; when they do not, the columns that can wrap give
up width, never below their longest word.

A column is right-aligned when every non-empty cell in it starts like a number
(a digit, possibly after a sign, ``<``, ``≤``, ``≥``, ``>`` or a bracket), or
is a dash or "NA"; otherwise, and always for the first column, it is
left-aligned: a column of words right-aligned in proportional type reads badly.

Characters that XML 1.0 forbids (control characters other than tab, line feed
and carriage return, lone surrogates, U+FFFE and U+FFFF) cannot be stored in a
Word document and are refused with every offending cell listed. A carriage
return, alone or before a line feed, becomes a line break, as a line feed
does; Word stores no other kind of line end in a cell.

References
----------
.. [1] python-docx documentation, https://python-docx.readthedocs.io/
.. [2] ECMA International, "ECMA-376: Office Open XML File Formats", 5th ed., 2016.
.. [3] rtflite, a lightweight RTF composer for Python, https://github.com/pharmaverse/rtflite
"""

from __future__ import annotations

import io
import math
import os
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from thera_stats.errors import DataValidationError, TheraStatsError
from thera_stats.tables import Table

if TYPE_CHECKING:
    from docx.document import Document as DocumentObject
    from docx.table import _Cell
    from docx.text.paragraph import Paragraph

__all__ = ["table_to_docx", "tables_to_docx"]

#: Font of every paragraph: shipped with Word; LibreOffice substitutes the
#: metrically identical Liberation Sans.
FONT = "Arial"
_BODY_PT = 9.0
_NOTE_PT = 8.0
_CAPTION_PT = 10.0
_TITLE_PT = 14.0
_PAPERS: dict[str, tuple[float, float]] = {"a4": (21.0, 29.7), "letter": (21.59, 27.94)}  # cm
_MARGIN_CM = 2.5
_CHAR_PT = 5.0  # advance of a digit in 9 pt Arial (0.556 em)
_CELL_PAD_PT = 2 * 0.19 / 2.54 * 72  # Word's default left and right cell margins
_WRAP_CHARS = 40
_LABEL_CHARS = 60  # the row labels (first column) wrap later when the page has room
_SHORT_HEADER = 15  # a header this short is kept on one line when the page allows
_BOLD = 1.15  # bold Arial is this much wider: the header's words
_HEAVY_RULE = 8  # eighths of a point: 1 pt, above the header and under the last row
_LIGHT_RULE = 4  # 0.5 pt, under the header
#: The earliest date a ZIP entry can carry; the default document date.
_ZIP_EPOCH = datetime(1980, 1, 1, tzinfo=UTC)

_NUMBER_START = re.compile(r"^[<>≤≥=~±]?\s*[(\[]?\s*[-+−–]?\s*[.]?\d")
_NUMBER_WORDS = frozenset({"-", "−", "–", "—", "NA", "NE", "n/a", "N/A", "."})
# XML 1.0 Char production, less the carriage return (made a line break before the check).
_XML_FORBIDDEN = re.compile("[^\t\n\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class _Prepared:
    """One table's text, checked and normalised, with its layout."""

    caption: str
    header: list[str]
    rows: list[list[str]]
    notes: list[str]
    right: list[bool]
    chars: list[int]  # the characters a column needs on one line (at most _WRAP_CHARS)
    words: list[int]  # its longest word: the narrowest it can wrap to

    fit: list[int]  # what it needs to decide the orientation: headers wrap, labels at 40

    @property
    def width_pt(self) -> float:
        """The width the table needs on a page: every column, its header wrapped
        at spaces and its row labels at ``_WRAP_CHARS`` like the other columns."""
        return sum(_points(c) for c in self.fit)

    def widths_pt(self, text_width_pt: float) -> list[float]:
        """Column widths filling ``text_width_pt``: each column's need stretched in
        proportion when they fit; otherwise the columns that wrap give up width, down
        to their longest word, in proportion to what they can give."""
        need = [_points(c) for c in self.chars]
        floor = [_points(w) for w in self.words]
        total = sum(need)
        if total <= text_width_pt:
            return [n * text_width_pt / total for n in need]
        excess = total - text_width_pt
        slack = total - sum(floor)
        if slack >= excess:
            return [n - (n - f) * excess / slack for n, f in zip(need, floor, strict=True)]
        return [f * text_width_pt / sum(floor) for f in floor]


def _points(chars: float) -> float:
    """The width in points a column of ``chars`` characters needs, cell margins included."""
    return chars * _CHAR_PT + _CELL_PAD_PT


# ------------------------------------------------------------------ public functions
def table_to_docx(
    table: Table,
    path: str | Path,
    *,
    numbered: bool = True,
    overwrite: bool = False,
    data_dir: str | Path | None = None,
    paper: Literal["a4", "letter"] = "a4",
) -> Path:
    """Write one report table to a Word document.

    The same as :func:`tables_to_docx` with a single table; see there.

    Parameters
    ----------
    table : Table
        The table to write.
    path : str or Path
        The ``.docx`` file to create.
    numbered : bool, default True
        Caption "Table 1. <title>" rather than "<title>".
    overwrite : bool, default False
        Replace ``path`` if it exists.
    data_dir : str or Path, optional
        The trial's data folder, which ``path`` must not be inside.
    paper : {"a4", "letter"}, default "a4"
        Page size.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from thera_stats import load_trial, synthetic_data_path
    >>> from thera_stats.docx_tables import table_to_docx
    >>> from thera_stats.tables import disposition_table
    >>> table = disposition_table(load_trial(synthetic_data_path()))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = table_to_docx(table, pathlib.Path(tmp) / "disposition.docx")
    ...     print(path.name, path.stat().st_size > 0)
    disposition.docx True
    """
    return tables_to_docx([table], path, numbered=numbered, overwrite=overwrite,
                          data_dir=data_dir, paper=paper)


def tables_to_docx(
    tables: Mapping[str, Table | None] | Sequence[Table | None],
    path: str | Path,
    *,
    title: str | None = None,
    numbered: bool = True,
    overwrite: bool = False,
    data_dir: str | Path | None = None,
    paper: Literal["a4", "letter"] = "a4",
) -> Path:
    """Write report tables into one Word document, each on a page of its own.

    Parameters
    ----------
    tables : mapping of str to Table, or sequence of Table
        The tables in the order they are to appear, for example
        ``analyze(trial).tables()``. ``None`` entries (a table the trial does
        not have) are skipped; the keys of a mapping name the tables in error
        messages.
    path : str or Path
        The ``.docx`` file to create; its folder is created if needed.
    title : str, optional
        A heading above the first table, also stored as the document's title
        property.
    numbered : bool, default True
        Caption each table "Table N. <title>" (N counting from 1 in this
        document) rather than "<title>".
    overwrite : bool, default False
        Replace ``path`` if it exists; otherwise an existing file is refused.
    data_dir : str or Path, optional
        The trial's data folder: ``path`` inside it is refused, so that
        outputs never go into the inputs (``analysis.trial.source``).
    paper : {"a4", "letter"}, default "a4"
        Page size; margins are 2.5 cm.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``overwrite`` is false, is a folder, or lies in
        ``data_dir``.
    DataValidationError
        If a title, header, cell or note holds a character a Word document
        cannot store, or a table has no columns; every such problem is listed.
    TheraStatsError
        If python-docx is not installed (``pip install 'thera-stats[report]'``).
    ValueError
        If ``path`` does not end in ``.docx``, ``paper`` is unknown, or there
        is no table to write.
    TypeError
        If an entry of ``tables`` is not a :class:`~thera_stats.tables.Table`.

    Examples
    --------
    Every table of an analysis, ``analyze(trial).tables()``, is written the
    same way as these two:

    >>> import tempfile, pathlib
    >>> from thera_stats import load_trial, synthetic_data_path
    >>> from thera_stats.docx_tables import tables_to_docx
    >>> from thera_stats.tables import baseline_table, disposition_table
    >>> trial = load_trial(synthetic_data_path())
    >>> tables = {"baseline": baseline_table(trial), "disposition": disposition_table(trial)}
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = tables_to_docx(tables, pathlib.Path(tmp) / "tables.docx",
    ...                           title="THERA: tables", data_dir=trial.source)
    ...     print(path.name)
    tables.docx
    """
    if paper not in _PAPERS:
        raise ValueError(f"`paper` ({paper!r}) must be one of {', '.join(map(repr, _PAPERS))}.")
    named = _named_tables(tables)
    path = _check_path(path, data_dir=data_dir, overwrite=overwrite)
    prepared = _prepare(named, title=title, numbered=numbered)
    docx = _import_docx()
    doc = docx.Document()
    _set_styles(doc)
    _set_properties(doc, title, _document_date())
    if title is not None:
        doc.add_paragraph(_clean(title), style="Tables Title")
    page_w, page_h = _PAPERS[paper]
    landscape: bool | None = None
    for i, table in enumerate(prepared):
        wide = table.width_pt > _text_width_pt(page_w)
        if landscape is None:
            _set_page(doc.sections[0], page_w, page_h, landscape=wide)
            _add_footer(doc.sections[0])
        elif wide != landscape:
            from docx.enum.section import WD_SECTION

            _set_page(doc.add_section(WD_SECTION.NEW_PAGE), page_w, page_h, landscape=wide)
        landscape_changed = landscape is not None and wide != landscape
        landscape = wide
        text_w = _text_width_pt(page_h if wide else page_w)
        _add_table(doc, table, number=i + 1 if numbered else None, text_width_pt=text_w,
                   new_page=i > 0 and not landscape_changed)
    _save(doc, path)
    return path


# ------------------------------------------------------------------ checking the inputs
def _import_docx() -> Any:
    try:
        import docx
    except ImportError:
        raise TheraStatsError(
            "writing Word tables needs the 'report' extra (python-docx is missing): "
            "pip install 'thera-stats[report]'"
        ) from None
    return docx


def _named_tables(tables: Mapping[str, Table | None] | Sequence[Table | None]
                  ) -> list[tuple[str, Table]]:
    """The non-``None`` tables with a name each (the mapping key, else ``table N``)."""
    if isinstance(tables, Table):
        raise TypeError("`tables` is one Table; pass [table] or use table_to_docx.")
    items: Iterable[tuple[str, Any]]
    if isinstance(tables, Mapping):
        items = ((str(k), v) for k, v in tables.items())
    elif isinstance(tables, Sequence) and not isinstance(tables, str | bytes):
        items = ((f"table {i + 1}", v) for i, v in enumerate(tables))
    else:
        raise TypeError(f"`tables` must be a mapping or a sequence of Table; got "
                        f"{type(tables).__name__}.")
    out = []
    for name, table in items:
        if table is None:
            continue
        if not isinstance(table, Table):
            raise TypeError(f"`tables` entry {name!r} is a {type(table).__name__}, not a "
                            "thera_stats.tables.Table.")
        out.append((name, table))
    if not out:
        raise ValueError("`tables` holds no table to write (empty, or every entry is None).")
    return out


def _check_path(path: str | Path, *, data_dir: str | Path | None, overwrite: bool) -> Path:
    """The output path, refused if it is not ``.docx``, is a folder, lies in the data
    folder or (unless ``overwrite``) exists; the checks of ``check_output_folder``."""
    from thera_stats.data import check_output_folder

    path = Path(path)
    if path.suffix.lower() != ".docx":
        raise ValueError(f"`path` ({str(path)!r}) must end in .docx (a Word document).")
    if path.is_dir():
        raise FileExistsError(f"{path} is an existing folder, not a .docx file")
    check_output_folder(path.parent, data_dir, [path.name], overwrite=overwrite)
    return path


def _clean(text: str) -> str:
    """Carriage returns as line feeds (Word has one kind of line break)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _bad_char(text: str) -> str | None:
    m = _XML_FORBIDDEN.search(text)
    return None if m is None else f"U+{ord(m.group()):04X}"


def _cell_text(value: Any) -> str:
    """A frame cell as the text renderings show it (missing: empty)."""
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return ""
    return str(value)


def _longest(texts: Iterable[str], factor: float = 1.0) -> int:
    """The length of the longest of ``texts`` times ``factor``, rounded up (0 if none)."""
    return max((math.ceil(len(t) * factor) for t in texts), default=0)


def _is_number(text: str) -> bool:
    return bool(_NUMBER_START.match(text)) or text in _NUMBER_WORDS


def _prepare(named: list[tuple[str, Table]], *, title: str | None, numbered: bool
             ) -> list[_Prepared]:
    """Each table's text, normalised and checked, with alignment and widths; every
    character Word cannot store is reported at once."""
    problems: list[dict[str, Any]] = []
    rule = ("{code} cannot be stored in a Word document (XML 1.0 allows no control "
            "character but tab and line breaks); remove it")

    def check(text: str, table: str, column: str | None, row: int | None = None) -> str:
        text = _clean(text)
        code = _bad_char(text)
        if code is not None:
            problems.append({"table": table, "row": row, "column": column, "value": text,
                             "rule": rule.format(code=code)})
        return text

    if title is not None:
        check(title, "(document)", "title")
    out = []
    for name, table in named:
        header = [check(str(c), name, "header") for c in table.frame.columns]
        if not header:
            problems.append({"table": name, "row": None, "column": None, "value": None,
                             "rule": "a table needs at least one column"})
            continue
        rows = [[check(_cell_text(v), name, header[j], i + 2) for j, v in enumerate(rec)]
                for i, rec in enumerate(table.frame.itertuples(index=False, name=None))]
        notes = [check(str(n), name, "notes") for n in table.notes]
        caption = check(str(table.title), name, "title")
        columns = [[r[j] for r in rows] for j in range(len(header))]
        right = [j > 0 and any(c.strip() for c in col)
                 and all(_is_number(c.strip()) for c in col if c.strip())
                 for j, col in enumerate(columns)]
        chars = [max(3, min(_LABEL_CHARS if j == 0 else _WRAP_CHARS, max(
            _longest([h] if len(h) <= _SHORT_HEADER else h.split(), _BOLD),
            _longest([line for c in col for line in c.split("\n")]))))
            for j, (h, col) in enumerate(zip(header, columns, strict=True))]
        words = [min(c, max(3, _longest(h.split(), _BOLD), _longest(
            [w for cell in col for w in cell.split()])))
            for c, h, col in zip(chars, header, columns, strict=True)]
        fit = [max(3, min(_WRAP_CHARS, max(_longest(h.split(), _BOLD), _longest(
            [line for c in col for line in c.split("\n")]))))
            for h, col in zip(header, columns, strict=True)]
        out.append(_Prepared(caption, header, rows, notes, right, chars, words, fit))
    if problems:
        raise DataValidationError(problems, context="Word (DOCX) tables")
    return out


def _document_date() -> datetime:
    """``SOURCE_DATE_EPOCH`` (seconds since 1970, UTC) when set, else 1980-01-01;
    never earlier than 1980, which a ZIP entry cannot carry."""
    raw = os.environ.get("SOURCE_DATE_EPOCH")
    if raw is None or raw.strip() == "":
        return _ZIP_EPOCH
    try:
        seconds = int(raw)
    except ValueError:
        raise ValueError(f"SOURCE_DATE_EPOCH ({raw!r}) must be a whole number of seconds "
                         "since 1970-01-01 UTC") from None
    try:
        when = datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"SOURCE_DATE_EPOCH ({raw!r}) is out of the range of dates") from None
    if not _ZIP_EPOCH <= when <= datetime(2107, 12, 31, 23, 59, 58, tzinfo=UTC):
        raise ValueError(f"SOURCE_DATE_EPOCH ({raw!r}) gives {when:%Y-%m-%d}; a .docx (ZIP) "
                         "file can only carry dates from 1980 to 2107")
    return when.replace(second=when.second - when.second % 2)  # ZIP: two-second steps


# ------------------------------------------------------------------ writing the document
def _text_width_pt(page_width_cm: float) -> float:
    return (page_width_cm - 2 * _MARGIN_CM) / 2.54 * 72


def _set_styles(doc: DocumentObject) -> None:
    """Arial everywhere; the caption black and upright; named styles for the table
    text so a writer can restyle them all at once."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt, RGBColor

    def font(style: Any, size: float, *, bold: bool = False) -> None:
        style.font.name = FONT
        rfonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            rfonts.set(_qn(attr), FONT)
        style.font.size = Pt(size)
        style.font.bold = bold
        style.font.italic = False
        style.font.color.rgb = RGBColor(0, 0, 0)

    normal = doc.styles["Normal"]
    font(normal, 10)
    caption = doc.styles["Caption"]
    font(caption, _CAPTION_PT, bold=True)
    caption.paragraph_format.space_before = Pt(0)
    caption.paragraph_format.space_after = Pt(6)
    caption.paragraph_format.keep_with_next = True
    for name, size, bold, after in (("Tables Title", _TITLE_PT, True, 12),
                                    ("Table Heading", _BODY_PT, True, 0),
                                    ("Table Text", _BODY_PT, False, 0),
                                    ("Table Note", _NOTE_PT, False, 0)):
        style: Any = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        font(style, size, bold=bold)
        fmt = style.paragraph_format
        fmt.space_before = Pt(0)
        fmt.space_after = Pt(after)
        fmt.line_spacing = 1.0
        if name == "Tables Title":
            fmt.keep_with_next = True


def _set_properties(doc: DocumentObject, title: str | None, when: datetime) -> None:
    from thera_stats import __version__

    props = doc.core_properties
    props.title = _clean(title) if title is not None else ""
    props.author = ""
    props.last_modified_by = ""
    props.comments = f"Report tables written by thera_stats {__version__} with python-docx."
    props.revision = 1
    props.created = when.replace(tzinfo=None)
    props.modified = when.replace(tzinfo=None)
    # python-docx's template carries the thumbnail of a blank page, which file browsers
    # would show as this document's preview.
    rels = doc.part.package.rels
    for r_id in [k for k, rel in rels.items() if rel.reltype.endswith("/metadata/thumbnail")]:
        rels.pop(r_id)


def _set_page(section: Any, width_cm: float, height_cm: float, *, landscape: bool) -> None:
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    w, h = (height_cm, width_cm) if landscape else (width_cm, height_cm)
    section.page_width = Cm(w)
    section.page_height = Cm(h)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(_MARGIN_CM))
    section.header_distance = Cm(1.25)
    section.footer_distance = Cm(1.25)


def _add_field(paragraph: Paragraph, instruction: str, shown: str) -> None:
    """A complex field (``SEQ``, ``PAGE``, ...) with ``shown`` as its current result."""
    for kind, text in (("begin", None), ("instr", instruction), ("separate", None),
                       ("text", shown), ("end", None)):
        run = paragraph.add_run()
        if kind == "instr":
            el = _element("w:instrText")
            el.set(_qn("xml:space"), "preserve")
            el.text = text
            run._r.append(el)
        elif kind == "text":
            run.text = shown
        else:
            el = _element("w:fldChar")
            el.set(_qn("w:fldCharType"), kind)
            run._r.append(el)


def _add_footer(section: Any) -> None:
    """"Page N of M", centred; later sections inherit it."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    p = section.footer.paragraphs[0]
    p.style = "Table Note"
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run("Page ")
    _add_field(p, " PAGE ", "1")
    p.add_run(" of ")
    _add_field(p, " NUMPAGES ", "1")


def _add_table(doc: DocumentObject, table: _Prepared, *, number: int | None,
               text_width_pt: float, new_page: bool) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    caption = doc.add_paragraph(style="Caption")
    caption.paragraph_format.page_break_before = new_page
    if number is not None:
        caption.add_run("Table ")
        _add_field(caption, r" SEQ Table \* ARABIC ", str(number))
        caption.add_run(". ")
    caption.add_run(table.caption)

    ncol = len(table.header)
    grid = doc.add_table(rows=1 + len(table.rows), cols=ncol)
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    widths = [Pt(w) for w in table.widths_pt(text_width_pt)]
    _fix_layout(grid, widths)
    # Style ids looked up once: python-docx searches every style on each assignment by name.
    heading_id = doc.styles["Table Heading"].style_id
    text_id = doc.styles["Table Text"].style_id
    last = len(table.rows)
    for i, (row, texts) in enumerate(zip(grid.rows, [table.header, *table.rows], strict=True)):
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(_element("w:cantSplit"))
        if i == 0:
            tr_pr.append(_element("w:tblHeader"))
        for j, (cell, text) in enumerate(zip(row.cells, texts, strict=True)):
            cell.width = widths[j]
            p = cell.paragraphs[0]
            p._p.get_or_add_pPr().style = heading_id if i == 0 else text_id
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if table.right[j] else WD_ALIGN_PARAGRAPH.LEFT
            if text:
                p.add_run(text)
            rules: dict[str, int] = {}
            if i == 0:
                rules = {"top": _HEAVY_RULE, "bottom": _LIGHT_RULE}
            if i == last:
                rules["bottom"] = _HEAVY_RULE
            _cell_borders(cell, rules, bottom_aligned=i == 0)
    for k, note in enumerate(table.notes):
        p = doc.add_paragraph(note, style="Table Note")
        if k == 0:
            p.paragraph_format.space_before = Pt(3)


def _fix_layout(grid: Any, widths: list[Any]) -> None:
    """Fixed column widths (the grid LibreOffice reads and the table width Word reads);
    no table borders (the rules are drawn on the cells)."""
    tbl_pr = grid._tbl.tblPr
    layout = _element("w:tblLayout")
    layout.set(_qn("w:type"), "fixed")
    tbl_pr.append(layout)
    width = _element("w:tblW")
    width.set(_qn("w:w"), str(sum(int(w.twips) for w in widths)))
    width.set(_qn("w:type"), "dxa")
    for old in tbl_pr.findall(_qn("w:tblW")):
        tbl_pr.remove(old)
    tbl_pr.append(width)
    borders = _element("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        b = _element(f"w:{side}")
        b.set(_qn("w:val"), "nil")
        borders.append(b)
    tbl_pr.append(borders)
    _sort_children(tbl_pr, _TBLPR_ORDER)
    for col, w in zip(grid.columns, widths, strict=True):
        col.width = w


def _cell_borders(cell: _Cell, rules: dict[str, int], *, bottom_aligned: bool) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    if rules:
        borders = _element("w:tcBorders")
        for side in ("top", "bottom"):
            if side in rules:
                b = _element(f"w:{side}")
                b.set(_qn("w:val"), "single")
                b.set(_qn("w:sz"), str(rules[side]))
                b.set(_qn("w:space"), "0")
                b.set(_qn("w:color"), "000000")
                borders.append(b)
        tc_pr.append(borders)
    if bottom_aligned:
        valign = _element("w:vAlign")
        valign.set(_qn("w:val"), "bottom")
        tc_pr.append(valign)
    _sort_children(tc_pr, _TCPR_ORDER)


# Schema order of the children of w:tblPr and w:tcPr (ECMA-376 part 1, 17.4.60 and 17.4.70):
# Word refuses a file whose property elements are out of order.
_TBLPR_ORDER = ("tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize",
                "tblStyleColBandSize", "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders",
                "shd", "tblLayout", "tblCellMar", "tblLook", "tblCaption", "tblDescription")
_TCPR_ORDER = ("cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd",
               "noWrap", "tcMar", "textDirection", "tcFitText", "vAlign", "hideMark")


def _sort_children(parent: Any, order: tuple[str, ...]) -> None:
    rank = {name: k for k, name in enumerate(order)}
    children = list(parent)
    children.sort(key=lambda el: rank.get(el.tag.rsplit("}", 1)[-1], len(order)))
    for el in children:
        parent.append(el)  # lxml moves an element that is already a child


def _element(tag: str) -> Any:
    from docx.oxml import OxmlElement

    return OxmlElement(tag)


def _qn(tag: str) -> str:
    from docx.oxml.ns import qn

    return str(qn(tag))


def _save(doc: DocumentObject, path: Path) -> None:
    """Save with every ZIP entry dated like the document (python-docx stamps each with
    the time of writing), through a temporary file so that no half-written document
    is left behind."""
    buffer = io.BytesIO()
    doc.save(buffer)
    when = doc.core_properties.modified
    stamp = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            fixed.create_system = 3  # the same bytes whichever system writes them
            dst.writestr(fixed, src.read(info.filename))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial")
    try:
        tmp.write_bytes(out.getvalue())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
