"""Report tables as Word documents: read back with python-docx, every cell, caption and
note as the Table holds it; the layout (captions, repeated headers, rules, landscape);
the same bytes twice; no file overwritten unasked."""

from __future__ import annotations

import io
import itertools
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import thera_stats as ts
from thera_stats.docx_tables import table_to_docx, tables_to_docx
from thera_stats.errors import DataValidationError, TheraStatsError
from thera_stats.tables import Table

docx = pytest.importorskip("docx")
from docx.oxml.ns import qn

TRIALS = ("thera", "nrs")


@pytest.fixture(scope="module")
def report_tables() -> dict[str, tuple[dict[str, Table], Path]]:
    """Each bundled trial's report tables (computed once) and its data folder."""
    out = {}
    for name in TRIALS:
        trial = ts.load_trial(ts.synthetic_data_path(name))
        assert trial.source is not None
        out[name] = (ts.analyze(trial).tables(), Path(trial.source))
    return out


# ------------------------------------------------------------------ reading a document back
def expected_cells(table: Table) -> list[list[str]]:
    """The header and rows as the text renderings show them (a missing cell: empty)."""
    header = [str(c) for c in table.frame.columns]
    rows = [["" if pd.isna(v) else str(v) for v in rec]
            for rec in table.frame.itertuples(index=False, name=None)]
    return [header, *rows]


def body_blocks(document: Any) -> list[dict[str, Any]]:
    """Caption, table, notes and section number of each table, in body order."""
    blocks: list[dict[str, Any]] = []
    section = 0
    for el in document.element.body.iterchildren():
        if el.tag == qn("w:p"):
            p = docx.text.paragraph.Paragraph(el, document)
            if p.style.name == "Caption":
                blocks.append({"caption": p.text, "notes": [], "section": section,
                               "caption_paragraph": p})
            elif p.style.name == "Table Note":
                blocks[-1]["notes"].append(p.text)
            if el.find(qn("w:pPr") + "/" + qn("w:sectPr")) is not None:
                section += 1
        elif el.tag == qn("w:tbl"):
            blocks[-1]["table"] = docx.table.Table(el, document)
    return blocks


def cell_texts(table: Any) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def present(tables: dict[str, Table] | dict[str, Table | None]) -> list[Table]:
    return [t for t in tables.values() if t is not None]


# ------------------------------------------------------------------ both bundled trials
@pytest.mark.parametrize("name", TRIALS)
def test_every_cell_caption_and_note_reads_back(name: str, report_tables: Any,
                                                tmp_path: Path) -> None:
    tables, source = report_tables[name]
    path = tables_to_docx(tables, tmp_path / "tables.docx", title=f"{name}: report tables",
                          data_dir=source)
    document = docx.Document(str(path))
    blocks = body_blocks(document)
    expected = present(tables)
    assert len(blocks) == len(expected) == len(document.tables)
    for k, (block, table) in enumerate(zip(blocks, expected, strict=True), start=1):
        assert block["caption"] == f"Table {k}. {table.title}"
        assert cell_texts(block["table"]) == expected_cells(table)
        assert block["notes"] == list(table.notes)
    assert document.paragraphs[0].text == f"{name}: report tables"
    assert document.core_properties.title == f"{name}: report tables"


@pytest.mark.parametrize("name", TRIALS)
def test_layout_of_a_clinical_table(name: str, report_tables: Any, tmp_path: Path) -> None:
    tables, _ = report_tables[name]
    document = docx.Document(str(tables_to_docx(tables, tmp_path / "t.docx")))
    blocks = body_blocks(document)
    for block, table in zip(blocks, present(tables), strict=True):
        rows = block["table"].rows
        # the header repeats on every page; no row splits across pages
        assert rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
        assert all(r._tr.trPr.find(qn("w:cantSplit")) is not None for r in rows)
        # horizontal rules only: above and under the header, under the last row
        for i, row in enumerate(rows):
            for cell in row.cells:
                borders = cell._tc.tcPr.find(qn("w:tcBorders"))
                sides = set() if borders is None else {
                    b.tag.rsplit("}", 1)[1]: b for b in borders}.keys()
                want = ({"top", "bottom"} if i == 0 else set()) | (
                    {"bottom"} if i == len(rows) - 1 else set())
                assert sides == want
        tbl_borders = block["table"]._tbl.tblPr.find(qn("w:tblBorders"))
        assert {b.get(qn("w:val")) for b in tbl_borders} == {"nil"}
        # the first column left-aligned, every column of numbers right-aligned
        for row in rows:
            assert row.cells[0].paragraphs[0].alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.LEFT
        for j, column in enumerate(table.frame.columns):
            values = [str(v) for v in table.frame[column] if not pd.isna(v) and str(v).strip()]
            numeric = j > 0 and values and all(v.strip()[0].isdigit() for v in values)
            if numeric:
                assert all(row.cells[j].paragraphs[0].alignment
                           == docx.enum.text.WD_ALIGN_PARAGRAPH.RIGHT for row in rows)
        # a caption is kept with its table and numbered by a SEQ field
        p = block["caption_paragraph"]
        assert p.style.paragraph_format.keep_with_next
        instr = "".join(t.text for t in p._p.iter(qn("w:instrText")))
        assert instr.split() == ["SEQ", "Table", "\\*", "ARABIC"]
    # every table after the first begins a page (a page break or a new section)
    for prev, block in itertools.pairwise(blocks):
        assert (block["caption_paragraph"].paragraph_format.page_break_before
                or block["section"] != prev["section"])


def test_wide_tables_on_landscape_pages(report_tables: Any, tmp_path: Path) -> None:
    tables, _ = report_tables["thera"]
    document = docx.Document(str(tables_to_docx(tables, tmp_path / "t.docx")))
    blocks = body_blocks(document)
    orientation = {len(b["table"].columns): document.sections[b["section"]].orientation
                   for b in blocks}
    landscape = docx.enum.section.WD_ORIENT.LANDSCAPE
    assert orientation[2] != landscape  # baseline, disposition, primary endpoint
    assert landscape in orientation.values()  # the widest tables turn the page
    for section in document.sections:
        wide = section.orientation == landscape
        assert (section.page_width > section.page_height) == wide
        # A4 (21.0 x 29.7 cm) with 2.5 cm margins
        assert sorted([round(section.page_width.cm, 1), round(section.page_height.cm, 1)]) == [
            21.0, 29.7]
        assert round(section.left_margin.cm, 2) == 2.5
    for block in blocks:
        text_width = (document.sections[block["section"]].page_width.cm - 5.0)
        widths = [c.width.cm for c in block["table"].columns]
        assert sum(widths) == pytest.approx(text_width, abs=0.01)


def test_font_and_styles(tmp_path: Path) -> None:
    document = docx.Document(str(table_to_docx(small_table(), tmp_path / "t.docx")))
    for name in ("Normal", "Caption", "Table Text", "Table Heading", "Table Note"):
        style = document.styles[name]
        assert style.font.name == "Arial"
        rfonts = style.element.rPr.find(qn("w:rFonts"))
        assert {rfonts.get(qn(f"w:{a}")) for a in ("ascii", "hAnsi", "cs", "eastAsia")} == {
            "Arial"}
    assert document.styles["Table Note"].font.size.pt < document.styles["Table Text"].font.size.pt


def test_letter_paper(tmp_path: Path) -> None:
    document = docx.Document(str(table_to_docx(small_table(), tmp_path / "t.docx",
                                               paper="letter")))
    section = document.sections[0]
    assert (round(section.page_width.inches, 2), round(section.page_height.inches, 2)) == (
        8.5, 11.0)


# ------------------------------------------------------------------ text
def small_table(cells: list[list[str]] | None = None, *, title: str = "A table",
                notes: tuple[str, ...] = ("A note.",)) -> Table:
    frame = pd.DataFrame(cells if cells is not None else [["Age, years", "57.4"]],
                         columns=["Characteristic", "N = 17"])
    return Table(title, frame, notes=notes)


def read_single(path: Path) -> tuple[str, list[list[str]], list[str]]:
    blocks = body_blocks(docx.Document(str(path)))
    assert len(blocks) == 1
    return blocks[0]["caption"], cell_texts(blocks[0]["table"]), blocks[0]["notes"]


def test_unicode_is_kept(tmp_path: Path) -> None:
    cells = [["Reduction ≥ 50 % and ≥ 20 mm", "−3.2 (−5.1 to −1.3)"],
             ["Dose, µg/kg", "Gruß · naïve · 日本語 · 😀"], ["  Indented term", "<0.001"]]
    table = small_table(cells, title="Endpoint: VAS ≤ 40 mm, α = 0.05",
                        notes=("± SD; µ: micro; “quoted” — dash",))
    caption, got, notes = read_single(table_to_docx(table, tmp_path / "u.docx"))
    assert caption == "Table 1. Endpoint: VAS ≤ 40 mm, α = 0.05"
    assert got == expected_cells(table)
    assert notes == list(table.notes)


def test_missing_cells_are_empty_and_unnumbered_captions(tmp_path: Path) -> None:
    frame = pd.DataFrame({"Method": ["a", "b"], "p-value": [0.038, None]})
    table = Table("Estimates", frame)
    caption, got, notes = read_single(table_to_docx(table, tmp_path / "m.docx",
                                                    numbered=False))
    assert caption == "Estimates"
    assert got == [["Method", "p-value"], ["a", "0.038"], ["b", ""]]
    assert notes == []


def test_line_breaks_and_tabs(tmp_path: Path) -> None:
    table = small_table([["two\nlines", "a\tb"], ["windows\r\nline", "old\rmac"]])
    _, got, _ = read_single(table_to_docx(table, tmp_path / "b.docx"))
    assert got[1:] == [["two\nlines", "a\tb"], ["windows\nline", "old\nmac"]]


# XML 1.0 allows tab, line feed, carriage return and everything from U+0020 but
# surrogates, U+FFFE and U+FFFF.
xml_text = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\ufffe\uffff",
                                 min_codepoint=0x20)
                   | st.sampled_from(["\t", "\n", " ", "≥", "−", "µ", "&", "<", ">", '"', "'",
                                      "%", "\\", "{", "}", "\u00a0", "\u2028"]),
                   max_size=30)


@settings(max_examples=40)
@given(header=xml_text, cell=xml_text, label=xml_text, title=xml_text,
       note=xml_text)
def test_any_text_round_trips(header: str, cell: str, label: str, title: str,
                              note: str) -> None:
    frame = pd.DataFrame([[label, cell]], columns=["Label", header])
    table = Table(title, frame, notes=(note,))
    with tempfile.TemporaryDirectory() as tmp:
        caption, got, notes = read_single(table_to_docx(table, Path(tmp) / "p.docx"))
    assert caption == f"Table 1. {title}"
    assert got == [["Label", header], [label, cell]]
    assert notes == [note]


forbidden = st.sampled_from([chr(c) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)]
                            + ["\ufffe", "\uffff", "\ud800"])


@settings(max_examples=40)
@given(before=xml_text, bad=forbidden, after=xml_text)
def test_text_with_a_forbidden_character_is_refused(before: str, bad: str, after: str) -> None:
    table = small_table([["label", before + bad + after]])
    with tempfile.TemporaryDirectory() as tmp, pytest.raises(
            DataValidationError, match=f"U\\+{ord(bad):04X} cannot be stored"):
        table_to_docx(table, Path(tmp) / "p.docx")


def test_characters_word_cannot_store_are_all_listed(tmp_path: Path) -> None:
    table = small_table([["ok", "bell\x07"], ["nul\x00", "fine"]], title="esc\x1b")
    with pytest.raises(DataValidationError) as err:
        table_to_docx(table, tmp_path / "x.docx")
    problems = err.value.problems
    assert len(problems) == 3
    assert set(problems["rule"].str.extract(r"(U\+[0-9A-F]{4})")[0]) == {
        "U+0007", "U+0000", "U+001B"}
    assert list(problems["row"].dropna()) == [2, 3]  # spreadsheet rows: header is row 1
    assert "cannot be stored in a Word document" in str(err.value)
    assert not (tmp_path / "x.docx").exists()


# ------------------------------------------------------------------ the same bytes
def test_same_tables_same_bytes(report_tables: Any, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    tables, _ = report_tables["thera"]
    first = tables_to_docx(tables, tmp_path / "a.docx", title="THERA").read_bytes()
    # a later clock changes nothing: python-docx's own ZIP timestamps are replaced
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 400 * 86400)
    second = tables_to_docx(tables, tmp_path / "b.docx", title="THERA").read_bytes()
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
        names = z.namelist()
    assert "1980-01-01T00:00:00Z" in core
    assert not [n for n in names if "thumbnail" in n]  # no blank-page preview
    assert str(datetime.now(UTC).year) not in core
    props = docx.Document(io.BytesIO(first)).core_properties
    assert props.created == props.modified == datetime(1980, 1, 1, tzinfo=UTC)


def test_source_date_epoch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14 22:13:20 UTC
    data = table_to_docx(small_table(), tmp_path / "a.docx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert {i.date_time for i in z.infolist()} == {(2023, 11, 14, 22, 13, 20)}
    props = docx.Document(io.BytesIO(data)).core_properties
    assert props.created == props.modified == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    for bad, match in (("soon", "whole number"), ("0", "from 1980")):
        monkeypatch.setenv("SOURCE_DATE_EPOCH", bad)
        with pytest.raises(ValueError, match=match):
            table_to_docx(small_table(), tmp_path / f"{bad}.docx")


# ------------------------------------------------------------------ files
def test_an_existing_file_is_refused_unless_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "t.docx"
    path.write_bytes(b"earlier work")
    with pytest.raises(FileExistsError, match=r"already holds t\.docx"):
        table_to_docx(small_table(), path)
    assert path.read_bytes() == b"earlier work"
    table_to_docx(small_table(), path, overwrite=True)
    assert read_single(path)[1] == expected_cells(small_table())
    assert [p.name for p in tmp_path.iterdir()] == ["t.docx"]  # no temporary file left


def test_no_output_in_the_data_folder_or_over_a_folder(tmp_path: Path) -> None:
    data = tmp_path / "trial"
    data.mkdir()
    with pytest.raises(FileExistsError, match="inside the data folder"):
        table_to_docx(small_table(), data / "sub" / "t.docx", data_dir=data)
    (tmp_path / "d.docx").mkdir()
    with pytest.raises(FileExistsError, match="existing folder"):
        table_to_docx(small_table(), tmp_path / "d.docx", overwrite=True)
    with pytest.raises(ValueError, match=r"must end in \.docx"):
        table_to_docx(small_table(), tmp_path / "t.rtf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.docx", "trial"]
    path = table_to_docx(small_table(), tmp_path / "new" / "folder" / "t.docx")
    assert path.is_file()


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="'b' is a str"):
        tables_to_docx({"a": small_table(), "b": "text"}, tmp_path / "x.docx")  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="one Table"):
        tables_to_docx(small_table(), tmp_path / "x.docx")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no table to write"):
        tables_to_docx({"a": None}, tmp_path / "x.docx")
    with pytest.raises(ValueError, match="'a3'"):
        tables_to_docx([small_table()], tmp_path / "x.docx", paper="a3")  # type: ignore[arg-type]
    with pytest.raises(DataValidationError, match="at least one column"):
        tables_to_docx([Table("empty", pd.DataFrame())], tmp_path / "x.docx")
    assert not (tmp_path / "x.docx").exists()


def test_none_entries_are_skipped_and_numbering_continues(tmp_path: Path) -> None:
    tables = {"a": small_table(title="first"), "b": None, "c": small_table(title="second")}
    blocks = body_blocks(docx.Document(str(tables_to_docx(tables, tmp_path / "t.docx"))))
    assert [b["caption"] for b in blocks] == ["Table 1. first", "Table 2. second"]


def test_missing_python_docx_says_what_to_install(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "docx", None)
    with pytest.raises(TheraStatsError, match=r"pip install 'thera-stats\[report\]'"):
        table_to_docx(small_table(), tmp_path / "t.docx")
    assert not (tmp_path / "t.docx").exists()


# ------------------------------------------------------------------ LibreOffice opens it
def test_libreoffice_renders_every_table(report_tables: Any, tmp_path: Path) -> None:
    """Where LibreOffice is installed (it is not in CI): the document converts to a PDF
    with one page per table, every caption and the footer's page numbers on it."""
    soffice = shutil.which("soffice")
    pdftotext = shutil.which("pdftotext")
    if soffice is None or pdftotext is None:
        pytest.skip("LibreOffice (soffice) and pdftotext are not both installed")
    tables, _ = report_tables["thera"]
    path = tables_to_docx(tables, tmp_path / "thera.docx")
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                    "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   check=True, capture_output=True, timeout=300)
    text = subprocess.run([pdftotext, "-layout", str(tmp_path / "thera.pdf"), "-"],
                          check=True, capture_output=True, text=True).stdout
    pages = text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")
    expected = present(tables)
    assert len(pages) == len(expected)
    for k, (page, table) in enumerate(zip(pages, expected, strict=True), start=1):
        assert f"Table {k}." in page
        assert f"Page {k} of {len(expected)}" in page
        assert table.frame.columns[0] in page
