"""The rendered report: header, contents, numbered figures and tables, sections, provenance,
self-contained HTML (nothing loaded from the network) and the PDF.

Rendering executes the notebook (about half a minute a trial), so each trial is rendered
once per module and the tests read the same files.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import os
import platform
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from importlib import metadata
from pathlib import Path

import pandas as pd
import pytest

import thera_stats as ts
from thera_stats import report
from thera_stats.cli import main
from thera_stats.errors import TheraStatsError

pytest.importorskip("nbclient")

THERA = ts.synthetic_data_path("thera")
NRS = ts.synthetic_data_path("nrs")
#: 2023-11-14 22:13:20 UTC.
EPOCH = "1700000000"
SECTIONS = ["1. Design", "2. Patient flow", "3. Baseline characteristics",
            "4. Primary endpoint", "5. Secondary endpoints", "6. Safety", "7. Provenance"]


# ------------------------------------------------------------------ helpers
class _Page(HTMLParser):
    """The parts of a report page the tests look at, in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.links: list[str] = []
        self.headings: list[tuple[str, str]] = []
        self.figures: list[dict[str, str]] = []
        self.captions: list[str] = []
        self.tags: list[str] = []
        self._text: list[str] | None = None
        self._where = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append(tag)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "a" and a.get("href", "").startswith("#"):
            self.links.append(a["href"][1:])
        if tag in ("h1", "h2", "h3", "figcaption", "caption"):
            self._text, self._where = [], tag
        if tag == "figure":
            self.figures.append({"id": a.get("id", "")})
        if tag == "img" and self.figures:
            self.figures[-1].update(alt=a.get("alt", ""), src=a.get("src", ""))
        if tag == "a" and self._where in ("h2", "h3") and "anchor-link" in a.get("class", ""):
            self._where = self._where + "-anchor"

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._where.endswith("-anchor"):
            self._where = self._where.removesuffix("-anchor")
            return
        if self._text is not None and tag == self._where:
            text = " ".join("".join(self._text).split())
            if tag == "figcaption":
                self.figures[-1]["caption"] = text
            elif tag == "caption":
                self.captions.append(text)
            else:
                self.headings.append((tag, text))
            self._text = None
            self._where = ""

    def handle_data(self, data: str) -> None:
        if self._text is not None and not self._where.endswith("-anchor"):
            self._text.append(data)


def parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


def sections(page: _Page) -> list[str]:
    return [text for tag, text in page.headings if tag == "h2" and text != "Contents"]


def body_text(page: str) -> str:
    """The words of the report after its table of contents, one space between words."""
    body = page[page.index("</nav>"):]
    body = re.sub(r'<a class="anchor-link"[^>]*>.*?</a>', " ", body)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def browser_or_skip() -> str:
    """The browser that prints PDFs; skip without one (fail in CI, which installs it)."""
    try:
        return report.find_browser()
    except TheraStatsError as err:
        if os.environ.get("THERA_STATS_REQUIRE_TOOLS") == "1":
            pytest.fail(f"{err} (THERA_STATS_REQUIRE_TOOLS=1)")
        pytest.skip(str(err))


def network_off_prefix() -> list[str]:
    """``unshare -rn`` (a new user and network namespace: no route anywhere) if allowed here."""
    exe = shutil.which("unshare")
    if exe is None:
        return []
    probe = subprocess.run([exe, "-rn", sys.executable, "-c", "import socket; "
                            "socket.create_connection(('192.0.2.1', 9), timeout=1)"],
                           capture_output=True, text=True, check=False)
    return [exe, "-rn"] if "unreachable" in probe.stderr.lower() else []


BINARY_PLAN = """\
[trial]
name = "ORR-2"
treatment = "study drug 10 mg orally once daily"

[design]
type = "single-stage"
criterion = "optimal"
p0 = 0.2
p1 = 0.4
alpha = 0.05
power = 0.8
r = 11
n = 35

[endpoint]
kind = "binary"
column = "response"
missing = "non-responder"

[analysis]
population = "enrolled"
data_cutoff = "2024-12-31"
confidence_level = 0.9
"""


def make_binary_trial(folder: Path) -> Path:
    """35 patients, 14 responders, 3 without a recorded response; no score, no AE table."""
    folder.mkdir(parents=True)
    (folder / "plan.toml").write_text(BINARY_PLAN, encoding="utf-8")
    responses = (["true", "false", "true", "false", "false"] * 7)[:32] + [""] * 3  # 13 true
    start = dt.date(2024, 1, 8)
    pd.DataFrame({
        "patient_id": [f"P{i:03d}" for i in range(1, 36)],
        "enrolment_date": [(start + dt.timedelta(days=5 * i)).isoformat() for i in range(35)],
        "response": responses,
    }).to_csv(folder / "patients.csv", index=False)
    return folder


# ------------------------------------------------------------------ renders
@pytest.fixture(scope="module")
def thera(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """THERA with no SOURCE_DATE_EPOCH: dated by its data cut-off."""
    out = tmp_path_factory.mktemp("thera")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("SOURCE_DATE_EPOCH", raising=False)
        return report.render_report(THERA, out, progress=None)


@pytest.fixture(scope="module")
def nrs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """KNEE-NRS dated by SOURCE_DATE_EPOCH, with the PDF when a browser is installed."""
    out = tmp_path_factory.mktemp("nrs")
    try:
        report.find_browser()
        pdf = True
    except TheraStatsError:
        pdf = False
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        return report.render_report(NRS, out, progress=None, pdf=pdf)


@pytest.fixture(scope="module")
def binary(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bool]:
    """A binary-endpoint trial rendered by the command line with the network off
    (``unshare -rn``) where this machine allows it."""
    root = tmp_path_factory.mktemp("binary")
    folder = make_binary_trial(root / "orr")
    prefix = network_off_prefix()
    command = [*prefix, sys.executable, "-m", "thera_stats", "report", str(folder),
               "--out", str(root / "out"), "--quiet"]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
    assert done.returncode == 0, done.stderr
    return root / "out" / report.REPORT_HTML, bool(prefix)


# ------------------------------------------------------------------ the date
@pytest.mark.parametrize(("epoch", "expected"), [
    ("0", dt.date(1970, 1, 1)), ("86399", dt.date(1970, 1, 1)), ("86400", dt.date(1970, 1, 2)),
    (EPOCH, dt.date(2023, 11, 14)), (" 951782400 ", dt.date(2000, 2, 29))])
def test_report_date_from_source_date_epoch(epoch: str, expected: dt.date) -> None:
    # Closed form: the UTC date of `epoch` seconds after 1970-01-01 (86 400 s a day).
    assert report.report_date(dt.date(2017, 6, 30), environ={"SOURCE_DATE_EPOCH": epoch}) == (
        expected, "SOURCE_DATE_EPOCH")


def test_report_date_falls_back_to_cutoff_then_today() -> None:
    cutoff = dt.date(2017, 6, 30)
    assert report.report_date(cutoff, environ={}) == (cutoff, "the data cut-off")
    assert report.report_date(cutoff, environ={"SOURCE_DATE_EPOCH": ""})[0] == cutoff
    before = dt.datetime.now(dt.UTC).date()
    day, source = report.report_date(None, environ={})
    assert before <= day <= dt.datetime.now(dt.UTC).date()
    assert source == "the date of rendering"


@pytest.mark.parametrize("bad", ["yesterday", "-5", "1.5e9", "17e8"])
def test_report_date_refuses_a_bad_epoch(bad: str) -> None:
    with pytest.raises(TheraStatsError, match=re.escape(repr(bad))) as err:
        report.report_date(None, environ={"SOURCE_DATE_EPOCH": bad})
    assert "whole number of seconds" in str(err.value)


# ------------------------------------------------------------------ self-containment
@pytest.mark.parametrize(("page", "loads"), [
    ('<script src="https://cdnjs.cloudflare.com/require.js"></script>',
     ["https://cdnjs.cloudflare.com/require.js"]),
    ('<link rel="stylesheet" href="//fonts.example/css">', ["//fonts.example/css"]),
    ('<link rel="icon" href="favicon.ico">', ["favicon.ico"]),
    ("<style>body { background: url('http://x.example/a.png') }</style>",
     ["http://x.example/a.png"]),
    ('<style>@import url("https://x.example/a.css");</style>', ["https://x.example/a.css"]),
    ('<div style="background-image: url(https://x.example/b.png)"></div>',
     ["https://x.example/b.png"]),
    ('<img srcset="a.png 1x, data:image/png;base64,AA 2x" alt="">', ["a.png"]),
    ('<iframe src="https://x.example/"></iframe>', ["https://x.example/"]),
    ('<a href="https://clinicaltrials.gov/study/NCT02263638">NCT02263638</a>', []),
    ('<img alt="x" src="data:image/png;base64,iVBORw0KGgo=">', []),
    ('<a href="#figure-1">Figure 1</a><style>p { color: red }</style>', []),
])
def test_external_resources(page: str, loads: list[str]) -> None:
    assert report.external_resources(page) == loads


@pytest.mark.parametrize("which", ["thera", "nrs", "binary"])
def test_report_loads_nothing_from_outside(which: str, request: pytest.FixtureRequest) -> None:
    got = request.getfixturevalue(which)
    path = got[0] if isinstance(got, tuple) else got
    page = path.read_text(encoding="utf-8")
    assert report.external_resources(page) == []
    assert "<script" not in page.lower()
    for cdn in ("cdnjs", "cdn.jsdelivr", "unpkg.com", "mathjax", "require.js",
                "fonts.googleapis"):
        assert cdn not in page.lower()
    # The only absolute URLs are hyperlinks a reader may follow (the registry).
    hrefs = re.findall(r"""(?:src|href)\s*=\s*["']?(https?:[^"'\s>]+)""", page)
    anchors = re.findall(r"""<a\s[^>]*href="(https?:[^"]+)\"""", page)
    assert sorted(hrefs) == sorted(anchors)


def test_binary_report_rendered_with_network_off(binary: tuple[Path, bool]) -> None:
    path, offline = binary
    if not offline:
        pytest.skip("unshare -rn is not allowed here: rendered with the network on")
    assert path.is_file()


# ------------------------------------------------------------------ structure
def test_header(thera: Path) -> None:
    page = thera.read_text(encoding="utf-8")
    header = page[page.index('<header class="report-header">'):page.index("</header>")]
    text = " ".join(re.sub(r"<[^>]+>", " ", header).split())
    assert "THERA phase II: go/no-go analysis for phase III" in text
    assert '<a href="https://clinicaltrials.gov/study/NCT02263638">NCT02263638</a>' in header
    assert "Data cut-off 2017-06-30" in text
    assert "Report date 2017-06-30 (the data cut-off)" in text
    assert f"thera-stats {ts.__version__}" in text
    assert "Decision GO" in text
    assert "<title>THERA phase II report</title>" in page


def test_header_dated_by_source_date_epoch(nrs: Path) -> None:
    text = " ".join(re.sub(r"<[^>]+>", " ", nrs.read_text(encoding="utf-8")).split())
    assert "Report date 2023-11-14 (SOURCE_DATE_EPOCH)" in text
    assert "Data cut-off 2025-02-28" in text
    assert "Registration none given in the plan" in text


@pytest.mark.parametrize("which", ["thera", "nrs", "binary"])
def test_sections_in_order(which: str, request: pytest.FixtureRequest) -> None:
    got = request.getfixturevalue(which)
    path = got[0] if isinstance(got, tuple) else got
    page = parse(path.read_text(encoding="utf-8"))
    assert sections(page) == SECTIONS
    subsections = [t for tag, t in page.headings if tag == "h3"
                   and t not in ("Figures", "Tables")]  # the contents' lists
    assert subsections[:3] == ["4.1 Decision on phase III",
                               "4.2 The response rate under every interval method",
                               "4.3 Robustness of the decision"]
    if which == "binary":
        assert not any(t.startswith("5.") for t in subsections)
    else:
        assert [t[:3] for t in subsections if t.startswith("5.")] == ["5.1", "5.2", "5.3"]


def test_figures_numbered_captioned_with_alt_text(thera: Path) -> None:
    page = parse(thera.read_text(encoding="utf-8"))
    figures = page.figures
    assert len(figures) == 10  # every figure of plotting.report_figures for THERA
    for k, fig in enumerate(figures, start=1):
        assert fig["id"] == f"figure-{k}"
        assert fig["caption"].startswith(f"Figure {k}. ")
        assert len(fig["caption"]) > 40
        assert fig["src"].startswith("data:image/png;base64,")
        assert base64.b64decode(fig["src"].split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(fig["alt"]) > 80, fig["alt"]  # a description, not a file name
        assert fig["alt"] != fig["caption"]
    alts = [f["alt"] for f in figures]
    assert len(set(alts)) == len(alts)
    # The alt text says what the figure shows, with the trial's numbers.
    flow = next(a for a in alts if a.startswith("Flow diagram"))
    assert "17 patients enrolled" in flow
    assert "1 withdrawn (Adverse event: injection site reaction: 1)" in flow
    waterfall = next(a for a in alts if a.startswith("Waterfall"))
    assert "7 responders" in waterfall
    assert "1 patient without the assessment" in waterfall


def test_figure_order_follows_sections(thera: Path) -> None:
    page = thera.read_text(encoding="utf-8")
    figures = {f["id"]: f["caption"] for f in parse(page).figures}
    assert figures["figure-1"].startswith("Figure 1. Operating characteristics of the Simon")
    assert figures["figure-2"].startswith("Figure 2. Patient flow (CONSORT style)")
    assert figures["figure-3"].startswith("Figure 3. Per-patient change in pain VAS")
    assert figures["figure-10"].startswith("Figure 10. Cumulative responder curve")
    order = [page.index(f'id="{anchor}"') for anchor in (
        "1.-Design", "figure-1", "2.-Patient-flow", "figure-2", "table-1",
        "3.-Baseline-characteristics", "4.-Primary-endpoint", "figure-3",
        "5.-Secondary-endpoints", "figure-10", "6.-Safety", "7.-Provenance")]
    assert order == sorted(order)


def test_embedded_figures_are_the_figures_command_files(thera: Path, tmp_path: Path) -> None:
    """The report's images are byte for byte what ``thera-stats figures`` writes."""
    from thera_stats import plotting

    plotting.use_file_backend()
    written = plotting.write_figures(ts.analyze(ts.load_trial(THERA)), tmp_path)
    files = {p.read_bytes() for p in written if p.suffix == ".png"}
    embedded = {base64.b64decode(f["src"].split(",", 1)[1])
                for f in parse(thera.read_text(encoding="utf-8")).figures}
    assert embedded == files


def test_tables_numbered_in_order(thera: Path) -> None:
    page = parse(thera.read_text(encoding="utf-8"))
    captions = [c for c in page.captions if c.startswith("Table")]
    assert len(captions) >= 12
    assert [int(re.match(r"Table (\d+)\. ", c).group(1)) for c in captions] == list(  # type: ignore[union-attr]
        range(1, len(captions) + 1))
    text = thera.read_text(encoding="utf-8")
    assert 'class="dataframe"' not in text  # every table is a numbered thera-stats Table
    assert text.count('<table class="thera-table">') == len(captions)
    for k in range(1, len(captions) + 1):
        assert f'id="table-{k}"' in text


def test_contents_link_every_section_figure_and_table(thera: Path) -> None:
    text = thera.read_text(encoding="utf-8")
    page = parse(text)
    nav = text[text.index("<nav "):text.index("</nav>")]
    targets = re.findall(r'href="#([^"]+)"', nav)
    assert set(targets) <= set(page.ids)
    assert len(page.ids) == len(set(page.ids))  # anchors are unique
    for k in range(1, len(page.figures) + 1):
        assert f"figure-{k}" in targets
    tables = [c for c in page.captions if c.startswith("Table")]
    for k in range(1, len(tables) + 1):
        assert f"table-{k}" in targets
    sections_linked = [t for t in targets if re.match(r"\d\.-", t)]
    assert sections_linked == ["1.-Design", "2.-Patient-flow", "3.-Baseline-characteristics",
                               "4.-Primary-endpoint", "5.-Secondary-endpoints", "6.-Safety",
                               "7.-Provenance"]


def test_primary_section_has_decision_and_robustness(thera: Path) -> None:
    text = body_text(thera.read_text(encoding="utf-8"))
    primary = text[text.index("4. Primary endpoint The naive"):text.index("5. Secondary")]
    assert "4.1 Decision on phase III GO" in primary
    assert "off plan" in primary
    assert "robustness of the decision" in primary


def test_safety_section_has_overview_and_soc_tables(thera: Path) -> None:
    text = body_text(thera.read_text(encoding="utf-8"))
    safety = text[text.index("6. Safety Table"):text.index("7. Provenance The")]
    assert "overview of adverse events" in safety
    assert "system organ class" in safety


def test_provenance_table(thera: Path) -> None:
    text = thera.read_text(encoding="utf-8")
    block = text[text.index('<div class="report-table provenance"'):]
    block = block[:block.index("</div>")]
    assert "provenance (software, environment and input files)" in block
    tbody = block[block.index("<tbody>"):block.index("</tbody>")]
    cells = [" ".join(html.unescape(re.sub(r"<[^>]+>", "", c)).split())
             for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tbody, re.DOTALL)]
    rows = dict(zip(cells[0::2], cells[1::2], strict=True))
    assert rows["Package thera-stats"] == ts.__version__
    assert rows["Python"].startswith(platform.python_version())
    for dep in ("numpy", "scipy", "pandas", "matplotlib", "statsmodels"):
        assert rows[f"Dependency {dep}"] == metadata.version(dep)
    files = sorted(p.name for p in THERA.iterdir() if p.suffix in (".csv", ".toml"))
    for name in files:
        digest = hashlib.sha256((THERA / name).read_bytes()).hexdigest()  # independent
        key = "Plan file plan.toml" if name == "plan.toml" else f"Input file {name}"
        assert rows[key] == f"SHA-256 {digest}"
    assert "{" not in block  # a table, not JSON


def test_same_inputs_same_bytes(thera: Path, tmp_path: Path) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("SOURCE_DATE_EPOCH", raising=False)
        again = report.render_report(THERA, tmp_path, progress=None)
    assert again.read_bytes() == thera.read_bytes()


def test_nrs_report_is_its_own(nrs: Path) -> None:
    text = nrs.read_text(encoding="utf-8")
    page = parse(text)
    assert page.headings[0] == ("h1", "KNEE-NRS phase II: go/no-go analysis for phase III")
    assert len(page.figures) == 10
    assert "pain NRS" in text


def test_binary_report(binary: tuple[Path, bool]) -> None:
    path, _ = binary
    text = path.read_text(encoding="utf-8")
    page = parse(text)
    assert page.headings[0] == ("h1", "ORR-2 phase II: go/no-go analysis for phase III")
    # No score: the design's operating characteristics, flow, intervals, coverage and
    # sensitivity only.
    assert [f["caption"].split(".")[0] for f in page.figures] == [
        f"Figure {k}" for k in range(1, 6)]
    assert "single-stage design" in page.figures[0]["caption"]
    plain = body_text(text)
    assert "there is no score, so no analysis over time" in plain
    assert "Adverse events were not collected" in plain
    assert "The data record no baseline characteristic." in plain
    patients = pd.read_csv(path.parent.parent / "orr" / "patients.csv", dtype=str)
    responders = int((patients["response"] == "true").sum())
    assert responders == 13
    assert "Total 13 / 35 responders" in plain
    # Single stage, go if more than r = 11 of 35: 13 > 11.
    assert "4.1 Decision on phase III GO" in plain


# ------------------------------------------------------------------ figure captions
def test_every_report_figure_has_a_caption() -> None:
    from thera_stats.plotting import REPORT_FIGURES

    assert set(report.FIGURE_TEXT) == set(REPORT_FIGURES)


def test_unknown_figure_is_named() -> None:
    with pytest.raises(KeyError, match=r"'forest'.*FIGURE_TEXT"):
        report.figure_text("forest", None)  # type: ignore[arg-type]


# ------------------------------------------------------------------ PDF
def pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


def test_pdf_of_thera(thera: Path, tmp_path: Path) -> None:
    browser = browser_or_skip()
    pdf = report.print_pdf(thera, tmp_path / "thera.pdf", browser=browser)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    assert pdf_pages(data) >= 8  # 10 figures and 14 tables on A4


def test_pdf_beside_the_html(nrs: Path) -> None:
    browser_or_skip()
    data = nrs.with_suffix(".pdf").read_bytes()
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    assert pdf_pages(data) >= 8


def test_no_browser_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(TheraStatsError, match="apt-get install chromium") as err:
        report.find_browser(environ={})
    assert "THERA_STATS_BROWSER" in str(err.value)
    with pytest.raises(TheraStatsError, match=r"THERA_STATS_BROWSER \('/no/such/chrome'\)"):
        report.find_browser(environ={"THERA_STATS_BROWSER": "/no/such/chrome"})


def test_browser_from_environment(tmp_path: Path) -> None:
    fake = tmp_path / "my-chrome"
    fake.write_text("#!/bin/sh\nexit 3\n", encoding="utf-8")
    fake.chmod(0o755)
    assert report.find_browser(environ={"THERA_STATS_BROWSER": str(fake)}) == str(fake)
    page = tmp_path / "p.html"
    page.write_text("<p>x</p>", encoding="utf-8")
    with pytest.raises(TheraStatsError, match=r"wrote no PDF of p\.html \(exit code 3\)"):
        report.print_pdf(page, tmp_path / "p.pdf", browser=str(fake))
    assert not (tmp_path / "p.pdf").exists()


def test_cli_pdf_without_browser_fails_before_rendering(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("THERA_STATS_BROWSER", "/no/such/chrome")
    assert main(["report", "--out", str(tmp_path / "r"), "--pdf", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "thera-stats report: error: THERA_STATS_BROWSER ('/no/such/chrome')" in err
    assert not (tmp_path / "r").exists()


def test_cli_help_names_pdf(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    out = capsys.readouterr().out
    assert "--pdf" in out
    assert "apt-get install chromium" in out
    assert "SOURCE_DATE_EPOCH" in out


# ------------------------------------------------------------------ cells kept on one line
@pytest.mark.parametrize(("cell", "kept"), [
    ("0.452 (0.325 to 0.607)", True), ("13 (76.5 %)", True), ("−1.1 (−1.5 to −0.7)", True),
    ("7 / 17", True), ("<0.001", False), ("missing = responder (best case)", False),
    ("treated: 17 patients", False), ("futility [2], final > 6", False), ("17", False)])
def test_keep_together(cell: str, kept: bool) -> None:
    out = report.keep_together(pd.DataFrame({"c": [cell]}))["c"].iloc[0]
    assert out == (cell.replace(" ", "\u00a0") if kept else cell)


def test_intervals_do_not_wrap_in_the_page(thera: Path) -> None:
    cells = re.findall(r"<td[^>]*>([^<]*\bto\b[^<]*)</td>", thera.read_text(encoding="utf-8"))
    numeric = [c for c in cells if re.fullmatch(r"[^A-Za-z]*\bto\b[^A-Za-z]*", c)]
    assert numeric  # the estimate columns are there
    assert all(" " not in c for c in numeric)


def test_single_stage_design_figure_shows_the_rule_applied(tmp_path: Path) -> None:
    """A single-stage trial that ends off plan (32 of 35 analysable) draws the planned rule
    and the rule applied; the caption names both boundaries (closed form: smallest r with
    P(Bin(n, 0.2) > r) <= 0.05 is 11 for n = 35 and 10 for n = 32)."""
    from scipy.stats import binom

    from thera_stats import plotting

    folder = make_binary_trial(tmp_path / "orr")
    plan = folder / "plan.toml"
    plan.write_text(plan.read_text().replace('missing = "non-responder"', 'missing = "exclude"'))
    result = ts.analyze(ts.load_trial(folder))
    r32 = next(r for r in range(33) if binom.sf(r, 32, 0.2) <= 0.05)
    assert (result.n_total, result.decision.r_used, r32) == (32, 10, 10)
    figures = plotting.report_figures(result)
    ax = figures["operating_characteristics"].axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert 'P("go"), planned (n = 35)' in labels
    assert 'P("go"), rule applied (n = 32)' in labels
    caption, alt = report.figure_text("operating_characteristics", result)
    assert "go if more than 11 of 35" in caption
    assert "go if more than 10 of 32" in caption
    assert "stopping early" not in caption + alt
    for fig in figures.values():
        plotting.plt.close(fig)
