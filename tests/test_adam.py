"""CDISC ADaM folders: tidy -> ADaM -> tidy, the ADaM-level rules and the XPORT writer."""

from __future__ import annotations

import math
import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from thera_stats.adam import (
    ADAE_NAMES,
    ADSL_NAMES,
    AdamTables,
    _ibm_double,
    read_adam,
    write_adam,
    write_xport,
)
from thera_stats.errors import DataValidationError

THERA = Path(__file__).resolve().parents[1] / "data" / "synthetic" / "thera"
OPTIONS = {"bds": "adqs", "paramcd": "PAINVAS", "value_column": "vas_mm", "baseline_day": 0}
# Smallest normalized IBM 370 double; pandas reads an IBM zero as this (pandas #50670).
IBM_TINY = 16.0**-65


def tidy(name: str) -> pd.DataFrame:
    return pd.read_csv(THERA / f"{name}.csv", dtype=str, keep_default_na=False).astype(object)


@pytest.fixture(scope="module")
def thera() -> dict[str, pd.DataFrame]:
    return {"patients": tidy("patients"), "score": tidy("vas"),
            "adverse_events": tidy("adverse_events")}


def write(folder: Path, tables: dict[str, pd.DataFrame], fmt: str = "xpt") -> list[Path]:
    return write_adam(folder, **tables, param="Pain VAS (mm)", study_id="THERA", format=fmt,
                      **OPTIONS)


def read(folder: Path, day_variable: str = "ADY") -> AdamTables:
    return read_adam(folder, day_variable=day_variable, **OPTIONS)


def read_xpt(path: Path) -> pd.DataFrame:
    """An XPT file as pandas reads it, with its zeros put back (pandas #50670)."""
    return pd.read_sas(path, format="xport", encoding="utf-8").replace(IBM_TINY, 0.0)


def message(tables: AdamTables) -> str:
    return str(DataValidationError(tables.problems, context="ADaM"))


def csv_folder(tmp_path: Path, thera: dict[str, pd.DataFrame]) -> Path:
    write(tmp_path, thera, "csv")
    return tmp_path


def edit_csv(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# --------------------------------------------------------------------------- round trip
@pytest.mark.parametrize("fmt", ["xpt", "csv"])
def test_round_trip_of_the_synthetic_trial(tmp_path, thera, fmt):
    paths = write(tmp_path, thera, fmt)
    assert [p.name for p in paths] == [f"adsl.{fmt}", f"adqs.{fmt}", f"adae.{fmt}"]
    tables = read(tmp_path)
    assert tables.problems == []
    assert tables.files == {p.name: p for p in paths}
    pd.testing.assert_frame_equal(tables.patients, thera["patients"])
    pd.testing.assert_frame_equal(tables.score, thera["score"])
    pd.testing.assert_frame_equal(tables.adverse_events, thera["adverse_events"])
    # Source file and physical line of every row (header = line 1; XPT: obs + 1).
    assert tables.score.attrs["file"] == f"adqs.{fmt}"
    assert tables.score.attrs["lines"] == list(range(2, len(thera["score"]) + 2))
    assert tables.patients.attrs["file"] == f"adsl.{fmt}"
    assert tables.adverse_events.attrs["lines"][-1] == len(thera["adverse_events"]) + 1


@pytest.mark.parametrize("fmt", ["xpt", "csv"])
def test_output_is_byte_identical_for_the_same_input(tmp_path, thera, fmt):
    first = write(tmp_path / "a", thera, fmt)
    second = write(tmp_path / "b", thera, fmt)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


def test_typed_tables_write_the_same_files_as_text_tables(tmp_path, thera):
    patients = thera["patients"].copy()
    patients["age_years"] = patients["age_years"].astype(int)
    patients["injections_received"] = patients["injections_received"].astype(int)
    patients["withdrawn"] = patients["withdrawn"] == "true"
    patients["withdrawal_day"] = pd.to_numeric(patients["withdrawal_day"]).astype("Int64")
    patients["enrolment_date"] = [date.fromisoformat(d) for d in patients["enrolment_date"]]
    score = thera["score"].astype({"day": int, "vas_mm": float})
    ae = thera["adverse_events"].copy()
    ae["serious"] = ae["serious"] == "true"
    ae["related"] = ae["related"] == "true"
    ae["grade"] = ae["grade"].astype(int)
    typed = write(tmp_path / "typed", {"patients": patients, "score": score, "adverse_events": ae})
    text = write(tmp_path / "text", thera)
    assert [p.read_bytes() for p in typed] == [p.read_bytes() for p in text]


def test_recorded_and_scheduled_days(tmp_path, thera):
    score = thera["score"].assign(assessment_day=thera["score"]["day"])
    score.loc[6, "assessment_day"] = "7"  # THR-001 assessed on day 7 for the day-8 visit
    write(tmp_path, {**thera, "score": score})
    adqs = read_xpt(tmp_path / "adqs.xpt")
    assert adqs.loc[6, ["ADY", "AVISITN", "AVISIT"]].tolist() == [7.0, 8.0, "DAY 8"]
    assert read(tmp_path).score.loc[6, "day"] == "7"
    assert read(tmp_path, "AVISITN").score.loc[6, "day"] == "8"


def test_non_ascii_names_give_ascii_labels(tmp_path, thera):
    patients = thera["patients"].copy()
    patients["génotype_2"] = "x"
    write_adam(tmp_path, **thera | {"patients": patients}, **OPTIONS, study_id="THERA",
               param="Douleur (échelle visuelle)")
    with pd.read_sas(tmp_path / "adqs.xpt", format="xport", encoding="utf-8",
                     iterator=True) as reader:
        assert reader.member_info["label"] == "Douleur (echelle visuelle) Analysis Data"
    with pd.read_sas(tmp_path / "adsl.xpt", format="xport", encoding="utf-8",
                     iterator=True) as reader:
        assert reader.fields[-1]["name"] == b"GENOTYPE"
        assert reader.fields[-1]["label"] == b"genotype_2"


def test_pandas_reads_the_adam_variables(tmp_path, thera):
    adsl, adqs, adae = (pd.read_sas(p, format="xport", encoding="utf-8")
                        for p in write(tmp_path, thera))
    assert list(adsl.columns) == ["STUDYID", "USUBJID", "SITEID", "SEX", "AGE", "HFEGENO",
                                  "ENRLDT", "EXNUMDOS", "EOSSTT", "DCSDY", "DCSREAS"]
    first = adsl.iloc[0]
    assert first["ENRLDT"] == (date(2015, 2, 9) - date(1960, 1, 1)).days == 20128
    assert (first["AGE"], first["EXNUMDOS"], first["EOSSTT"]) == (45.0, 5.0, "COMPLETED")
    assert math.isnan(first["DCSDY"])
    withdrawn = adsl.set_index("USUBJID").loc["THR-012"]
    assert (withdrawn["EOSSTT"], withdrawn["DCSDY"]) == ("DISCONTINUED", 3.0)
    assert list(adqs.columns) == ["STUDYID", "USUBJID", "PARAMCD", "PARAM", "AVAL", "BASE",
                                  "CHG", "ABLFL", "ADY", "AVISITN", "AVISIT"]
    row = adqs.iloc[1]  # THR-001 day 1: 74 mm against a baseline of 81
    assert (row["AVAL"], row["BASE"], row["CHG"], row["ABLFL"], row["AVISIT"]) == (
        74.0, 81.0, -7.0, "", "DAY 1")
    base = adqs.iloc[0]
    assert (base["ABLFL"], base["AVISIT"], base["ADY"]) == ("Y", "BASELINE", IBM_TINY)
    assert math.isnan(base["CHG"])
    assert list(adae.columns) == ["STUDYID", *(ADAE_NAMES[c] for c in thera["adverse_events"])]
    assert adae.loc[13, ["AESER", "AEREL", "AETOXGR"]].tolist() == ["Y", "N", "3"]


def test_numbers_are_exact_through_pandas(tmp_path):
    values = [-7.0, 0.0, math.nan, 45.3, -35.7, 1 / 3, 1e-70, 7e75, 20128.0, -2.5e-10]
    path = write_xport(tmp_path / "x.xpt", pd.DataFrame({"X": values, "C": "a"}), dataset="X")
    back = pd.read_sas(path, format="xport", encoding="utf-8")["X"].to_numpy()
    expected = np.where(np.array(values) == 0, IBM_TINY, values)  # pandas #50670
    np.testing.assert_array_equal(back, expected)


def test_ibm_double_known_bit_patterns():
    # Classic examples of the IBM hexadecimal floating-point format.
    assert _ibm_double(1.0).hex() == "4110000000000000"
    assert _ibm_double(-118.625).hex() == "c276a00000000000"
    assert _ibm_double(0.1).hex() == "401999999999999a"
    assert _ibm_double(0.0) == bytes(8)
    assert _ibm_double(math.nan) == b".\0\0\0\0\0\0\0"  # SAS missing value


@pytest.mark.parametrize("value", [math.inf, -math.inf, 1e76, -1e300, 1e-80, IBM_TINY])
def test_out_of_range_numbers_are_refused(tmp_path, value):
    with pytest.raises(ValueError, match="outside the range of IBM 370"):
        write_xport(tmp_path / "x.xpt", pd.DataFrame({"X": [value]}), dataset="X")


def test_short_records_ending_in_blanks_keep_every_observation(tmp_path):
    # pandas counts blank 8-byte words of the last record when records are <= 80 bytes.
    frame = pd.DataFrame({"A": ["x", "", "", ""], "B": ["", "", "", "        "]})
    path = write_xport(tmp_path / "s.xpt", frame, dataset="S")
    assert len(pd.read_sas(path, format="xport", encoding="utf-8")) == 4


def test_labels_and_formats_are_written(tmp_path):
    frame = pd.DataFrame({"ENRLDT": [20128.0]})
    path = write_xport(tmp_path / "d.xpt", frame, dataset="D", label="Dates",
                       labels={"ENRLDT": "Date of Enrollment"}, formats={"ENRLDT": "DATE9."})
    with pd.read_sas(path, format="xport", encoding="utf-8", iterator=True) as reader:
        field = reader.fields[0]
        assert (field["label"], field["nform"], field["nfl"]) == (
            b"Date of Enrollment", b"DATE", 9)
        assert reader.member_info["label"] == "Dates"


@given(st.lists(st.one_of(
    st.just(0.0),
    st.floats(min_value=IBM_TINY, max_value=math.nextafter(16.0**63, 0), exclude_min=True),
    st.floats(max_value=-IBM_TINY, min_value=-math.nextafter(16.0**63, 0), exclude_max=True),
), min_size=1, max_size=20))
def test_xpt_round_trips_floats_exactly(tmp_path_factory, values):
    # Tolerance: none (exact equality). An IBM 370 double has a 56-bit fraction whose
    # leading hexadecimal digit is non-zero, so it holds 53 to 56 significant bits: every
    # IEEE double (53 bits) between 16**-65 and 16**63 in magnitude is stored exactly.
    folder = tmp_path_factory.mktemp("floats")
    path = write_xport(folder / "f.xpt", pd.DataFrame({"X": values}), dataset="F")
    back = pd.read_sas(path, format="xport", encoding="utf-8")["X"].tolist()
    assert back == [IBM_TINY if v == 0 else v for v in values]  # pandas #50670 for zero


@given(st.lists(st.text(st.characters(max_codepoint=127), max_size=200), min_size=1,
                max_size=10))
def test_xpt_round_trips_ascii_text(tmp_path_factory, texts):
    # SAS pads text with blanks, so trailing blanks are not kept (pandas strips trailing
    # ASCII white space); everything else comes back as written.
    folder = tmp_path_factory.mktemp("texts")
    path = write_xport(folder / "t.xpt", pd.DataFrame({"T": texts}, dtype=object), dataset="T")
    back = pd.read_sas(path, format="xport", encoding="utf-8")["T"].tolist()
    assert back == [t.rstrip(" \t\n\r\x0b\x0c") for t in texts]


# --------------------------------------------------------------------------- mapping
def test_adsl_names_are_sas_names():
    assert all(len(v) <= 8 and v.isupper() for v in ADSL_NAMES.values())
    assert ADSL_NAMES["injections_received"] == "EXNUMDOS"
    assert ADSL_NAMES["hfe_genotype"] == "HFEGENO"


def test_adsl_alternatives_and_passthrough(tmp_path):
    (tmp_path / "adsl.csv").write_text(
        "STUDYID,USUBJID,RANDDT,TRTSDT,EOSSTT,EOSDY,TRT01P,SAFFL\n"
        "S,P1,09FEB2015,2015-02-10,DISCONTINUED,3,ANAKINRA,Y\n"
        "S,P2,2015-03-01,20513,ONGOING,,ANAKINRA,Y\n"
        "S,P3,2015-03-02,,,,ANAKINRA,N\n", encoding="utf-8")
    (tmp_path / "adqs.csv").write_text(
        "USUBJID,PARAMCD,AVAL,ADY\nP1,PAINVAS,81,0\n", encoding="utf-8")
    tables = read(tmp_path)
    assert tables.problems == []
    assert tables.patients.to_dict("list") == {
        "patient_id": ["P1", "P2", "P3"],
        "enrolment_date": ["2015-02-09", "2015-03-01", "2015-03-02"],
        "TRTSDT": ["2015-02-10", "2016-02-29", ""],
        "withdrawn": ["true", "false", ""],
        "withdrawal_day": ["3", "", ""],
        "TRT01P": ["ANAKINRA"] * 3,
        "SAFFL": ["Y", "Y", "N"],
    }


def test_passthrough_columns_are_written_under_sas_names(tmp_path, thera):
    patients = thera["patients"].assign(**{"responder (day 8)": "true", "weight_kg": "71.5"})
    write(tmp_path, {**thera, "patients": patients})
    adsl = pd.read_sas(tmp_path / "adsl.xpt", format="xport", encoding="utf-8")
    assert adsl["RESPONDE"].iloc[0] == "true"
    assert adsl["WEIGHT_K"].iloc[0] == 71.5
    back = read(tmp_path).patients
    assert back["RESPONDE"].iloc[0] == "true"
    assert back["WEIGHT_K"].iloc[0] == "71.5"


def test_visit_numbers_and_baseline_flag_give_the_day(tmp_path):
    # ADaM study days start at 1: the flagged baseline row (ADY 1) is the tidy day 0.
    (tmp_path / "adsl.csv").write_text("USUBJID,ENRLDT\nP1,2015-02-09\n", encoding="utf-8")
    (tmp_path / "adqs.csv").write_text(
        "USUBJID,PARAMCD,AVAL,BASE,CHG,ABLFL,ADY,AVISITN,DTYPE\n"
        "P1,PAINVAS,81,81,,Y,1,1,\n"
        "P1,PAINVAS,30,81,-51,,9,8,\n"
        "P1,PAINVAS,30,81,-51,,16,15,LOCF\n"
        "P1,OTHER,5,,,,9,8,\n", encoding="utf-8")
    by_ady, by_visit = read(tmp_path).score, read(tmp_path, "AVISITN").score
    assert by_ady.to_dict("list") == {"patient_id": ["P1", "P1"], "day": ["0", "9"],
                                      "vas_mm": ["81", "30"]}
    assert by_visit["day"].tolist() == ["0", "8"]
    assert by_visit.attrs["lines"] == [2, 3]


def test_relatedness_codes(tmp_path, thera):
    write(tmp_path, thera, "csv")
    (tmp_path / "adae.csv").write_text(
        "USUBJID,ASTDY,AEDECOD,AEBODSYS,AETOXGR,AESER,AEREL\n"
        "THR-001,1,A,Skin,1,N,RELATED\nTHR-001,2,B,,2,y,probable\n"
        "THR-001,3,C,,1,N,POSSIBLE\nTHR-001,4,D,,1,N,NOT RELATED\n"
        "THR-001,5,E,,1,N,UNLIKELY\nTHR-001,6,F,,1,,N\n", encoding="utf-8")
    ae = read(tmp_path).adverse_events
    assert list(ae.columns) == ["patient_id", "day", "term", "soc", "grade", "serious", "related"]
    assert ae["related"].tolist() == ["true", "true", "true", "false", "false", "false"]
    assert ae["serious"].tolist() == ["false", "true", "false", "false", "false", ""]


# --------------------------------------------------------------------------- problems
def test_missing_datasets(tmp_path):
    tables = read(tmp_path)
    assert (tables.patients, tables.score, tables.adverse_events) == (None, None, None)
    text = message(tables)
    assert "table adsl.xpt: dataset adsl (adsl.xpt or adsl.csv) is missing" in text
    assert "table adqs.xpt: BDS dataset adqs (adqs.xpt or adqs.csv) is missing" in text
    assert "adae" not in text  # optional: adverse events not collected


def test_missing_folder(tmp_path):
    tables = read(tmp_path / "nowhere")
    assert "the ADaM folder does not exist" in message(tables)


@pytest.mark.parametrize(("dataset", "variable"), [
    ("adsl", "USUBJID"), ("adqs", "AVAL"), ("adqs", "PARAMCD"), ("adqs", "ADY"),
    ("adae", "AESER"), ("adae", "AEDECOD"),
])
def test_missing_required_variable_is_named(tmp_path, thera, dataset, variable):
    write(tmp_path, thera, "csv")
    path = tmp_path / f"{dataset}.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns=variable)
    frame.to_csv(path, index=False)
    tables = read(tmp_path)
    table = {"adsl": tables.patients, "adqs": tables.score, "adae": tables.adverse_events}
    assert table[dataset] is None
    assert (f"table {dataset}.csv, column {variable}: required ADaM variable {variable} is "
            "missing") in message(tables)


def test_adsl_without_any_enrolment_date_or_stage(tmp_path, thera):
    patients = thera["patients"].drop(columns="enrolment_date")
    write(tmp_path, {**thera, "patients": patients}, "csv")
    assert "column ENRLDT: required ADaM variable ENRLDT is missing (and there is no RANDDT" in (
        message(read(tmp_path)))
    write(tmp_path / "staged", {**thera, "patients": patients.assign(stage="1")}, "csv")
    assert read(tmp_path / "staged").problems == []


def test_no_rows_with_the_paramcd(tmp_path, thera):
    write(tmp_path, thera, "csv")
    tables = read_adam(tmp_path, bds="adqs", paramcd="PAIN", day_variable="ADY",
                       value_column="vas_mm", baseline_day=0)
    assert tables.score is None
    assert ("table adqs.csv, column PARAMCD: value 'PAIN' no rows with PARAMCD 'PAIN'; the "
            "PARAMCDs present are: PAINVAS") in message(tables)


def test_both_forms_of_a_dataset(tmp_path, thera):
    write(tmp_path, thera, "csv")
    shutil.copy(THERA / "vas.csv", tmp_path / "ADQS.XPT")
    tables = read(tmp_path)
    assert tables.score is None
    assert "the folder holds both ADQS.XPT and adqs.csv; keep one form" in message(tables)
    assert "is missing" not in message(tables)


def test_writing_beside_the_other_form_is_refused(tmp_path, thera):
    write(tmp_path, thera, "csv")
    with pytest.raises(ValueError, match=r"already holds adsl\.csv, adqs\.csv, adae\.csv"):
        write(tmp_path, thera, "xpt")


@pytest.mark.parametrize("content", [b"not a transport file\n" * 10, b""])
def test_unreadable_xpt(tmp_path, thera, content):
    write(tmp_path, thera)
    (tmp_path / "adsl.xpt").write_bytes(content)
    tables = read(tmp_path)
    assert tables.patients is None
    assert tables.score is not None
    assert "table adsl.xpt: could not be read as a SAS transport (XPORT v5) file" in (
        message(tables))


def test_csv_with_a_row_of_the_wrong_length(tmp_path, thera):
    write(tmp_path, thera, "csv")
    edit_csv(tmp_path / "adae.csv", "THR-002,5,", "THR-002,5,extra,")
    assert "table adae.csv, row 4, patient THR-002: row has 10 fields but the header has 9" in (
        message(read(tmp_path)))


def test_chg_not_aval_minus_base_csv(tmp_path, thera):
    write(tmp_path, thera, "csv")
    # line 3 is THR-001 day 1: AVAL 74, BASE 81, CHG -7
    edit_csv(tmp_path / "adqs.csv", "74,81,-7,", "74,81,-9,")
    tables = read(tmp_path)
    assert tables.score is not None
    assert ("table adqs.csv, row 3, patient THR-001, column CHG: value '-9' CHG != AVAL - BASE on "
            "a post-baseline row (AVAL = 74, BASE = 81, so CHG should be -7)") in message(tables)


def test_chg_not_aval_minus_base_xpt(tmp_path, thera):
    write(tmp_path, thera)
    adqs = read_xpt(tmp_path / "adqs.xpt")
    adqs.loc[4, "CHG"] = 1.5  # observation 5 (THR-001 day 4), shown as line 6
    write_xport(tmp_path / "adqs.xpt", adqs, dataset="ADQS")
    text = message(read(tmp_path))
    assert "table adqs.xpt, row 6, patient THR-001, column CHG: value '1.5' CHG != AVAL - BASE" in (
        text)


def test_base_differs_from_the_baseline_value(tmp_path, thera):
    write(tmp_path, thera, "csv")
    edit_csv(tmp_path / "adqs.csv", "76,81,-5,", "76,80,-4,")
    assert ("table adqs.csv, row 4, patient THR-001, column BASE: value '80' BASE differs from "
            "AVAL = 81 of the baseline row on line 2") in message(read(tmp_path))


def test_baseline_flag_rules(tmp_path, thera):
    write(tmp_path, thera, "csv")
    path = tmp_path / "adqs.csv"
    edit_csv(path, "Pain VAS (mm),74,81,-7,,1,1", "Pain VAS (mm),74,81,-7,Y,1,1")  # second flag
    edit_csv(path, "THR-002,PAINVAS,Pain VAS (mm),", "THR-002,PAINVAS,Pain VAS (mm),")
    text = path.read_text(encoding="utf-8").splitlines()
    row = next(i for i, line in enumerate(text) if line.startswith("THERA,THR-002"))
    text[row] = text[row].replace(",Y,0,0,", ",,0,0,")  # THR-002 baseline not flagged
    row3 = next(i for i, line in enumerate(text) if line.startswith("THERA,THR-003"))
    text[row3] = text[row3].replace(",Y,0,0,", ",B,0,0,")  # a bad flag
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    msg = message(read(tmp_path))
    assert ("table adqs.csv, row 3, patient THR-001, column ABLFL: value 'Y' a second ABLFL = 'Y' "
            "row for this patient (the first is line 2)") in msg
    assert (f"table adqs.csv, row {row + 1}, patient THR-002, column ADY: value '0' row on the "
            "baseline day 0 is not flagged ABLFL = 'Y' and the patient has no ABLFL = 'Y' row"
            ) in msg
    assert (f"table adqs.csv, row {row3 + 1}, patient THR-003, column ABLFL: value 'B' ABLFL must "
            "be 'Y' or blank") in msg


def test_unflagged_row_mapped_onto_the_baseline_day(tmp_path):
    (tmp_path / "adsl.csv").write_text("USUBJID,ENRLDT\nP1,2015-02-09\n", encoding="utf-8")
    (tmp_path / "adqs.csv").write_text(
        "USUBJID,PARAMCD,AVAL,ABLFL,ADY\nP1,PAINVAS,81,Y,-1\nP1,PAINVAS,80,,0\n",
        encoding="utf-8")
    assert ("table adqs.csv, row 3, patient P1, column ADY: value '0' ADY maps this row to the "
            "baseline day 0, which the ABLFL = 'Y' row on line 2 already takes") in (
        message(read(tmp_path)))


def test_bad_serious_and_related_codes(tmp_path, thera):
    write(tmp_path, thera, "csv")
    edit_csv(tmp_path / "adae.csv", "THR-003,1,Headache,1,N,Y", "THR-003,1,Headache,1,YES,MAYBE")
    tables = read(tmp_path)
    msg = message(tables)
    assert ("table adae.csv, row 5, patient THR-003, column AESER: value 'YES' AESER must be one "
            "of N, Y") in msg
    assert ("table adae.csv, row 5, patient THR-003, column AEREL: value 'MAYBE' AEREL must be "
            "one of N, NOT RELATED, POSSIBLE, PROBABLE, RELATED, UNLIKELY, Y") in msg
    assert tables.adverse_events.loc[3, ["serious", "related"]].tolist() == ["", ""]


def test_fractional_sas_date(tmp_path, thera):
    write(tmp_path, thera)
    adsl = read_xpt(tmp_path / "adsl.xpt")
    adsl.loc[2, "ENRLDT"] = 20228.5
    write_xport(tmp_path / "adsl.xpt", adsl, dataset="ADSL")
    assert ("table adsl.xpt, row 4, patient THR-003, column ENRLDT: value '20228.5' a SAS date "
            "must be a whole number of days since 1960-01-01") in message(read(tmp_path))


def test_xpt_character_values_may_be_latin1(tmp_path, thera):
    write(tmp_path, thera)
    adsl = read_xpt(tmp_path / "adsl.xpt")
    path = write_xport(tmp_path / "adsl.xpt", adsl, dataset="ADSL")
    data = path.read_bytes().replace(b"Rennes", b"R\xe9nnes")  # one latin-1 byte
    path.write_bytes(data)
    assert read(tmp_path).patients["site"].iloc[0] == "Rénnes"


# --------------------------------------------------------------------------- writer arguments
@pytest.mark.parametrize(("change", "match"), [
    ({"format": "sas7bdat"}, r"format \('sas7bdat'\) must be 'xpt' or 'csv'"),
    ({"bds": "adquestionnaire"}, r"bds \('adquestionnaire'\) must be a SAS name"),
    ({"paramcd": "PAINVASMM1"}, r"paramcd \('PAINVASMM1'\) must have 1 to 8 characters"),
    ({"study_id": ""}, "study_id must not be empty"),
])
def test_write_adam_argument_errors(tmp_path, thera, change, match):
    arguments = {**thera, **OPTIONS, "param": "Pain VAS", "study_id": "THERA", **change}
    with pytest.raises(ValueError, match=match):
        write_adam(tmp_path, **arguments)


def test_write_adam_cell_errors(tmp_path, thera):
    score = thera["score"].copy()
    score.loc[3, "vas_mm"] = "n/a"
    with pytest.raises(ValueError, match=r"score: column 'vas_mm', row 4: value 'n/a' is not a "):
        write(tmp_path, {**thera, "score": score})
    patients = thera["patients"].copy()
    patients.loc[0, "enrolment_date"] = "09/02/2015"
    with pytest.raises(ValueError, match=r"'enrolment_date', row 1: date '09/02/2015' is not an"):
        write(tmp_path, {**thera, "patients": patients})
    with pytest.raises(ValueError, match="score table lacks the column"):
        write(tmp_path, {**thera, "score": thera["score"].drop(columns="vas_mm")})


def test_read_adam_rejects_an_unknown_day_variable(tmp_path):
    with pytest.raises(ValueError, match=r"day_variable \('AVISIT'\) must be 'ADY' or 'AVISITN'"):
        read(tmp_path, "AVISIT")


@pytest.mark.parametrize("fmt", ["xpt", "csv"])
def test_empty_tables(tmp_path, fmt):
    patients = pd.DataFrame({"patient_id": [], "enrolment_date": []}, dtype=object)
    score = pd.DataFrame({"patient_id": [], "day": [], "vas_mm": []}, dtype=object)
    write(tmp_path, {"patients": patients, "score": score, "adverse_events": None}, fmt)
    tables = read(tmp_path)
    pd.testing.assert_frame_equal(tables.patients, patients)
    assert tables.score is None  # no rows with the PARAMCD
    assert "no rows with PARAMCD 'PAINVAS'; the PARAMCDs present are: none" in message(tables)


def test_repr_is_short(tmp_path, thera):
    write(tmp_path, thera)
    assert repr(read(tmp_path)) == (
        "AdamTables(patients=<17 rows>, score=<144 rows>, adverse_events=<17 rows>, problems=0, "
        "files=['adae.xpt', 'adqs.xpt', 'adsl.xpt'])")
