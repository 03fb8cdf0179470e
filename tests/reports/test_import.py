"""Targets, milestones and quotas from CSV: checked first with line numbers, nothing half-done."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from certify.extensions import db
from certify.reports.exports import targets_csv
from certify.reports.importing import ImportRejected, import_targets
from certify.reports.models import Allocation, Milestone, Target
from tests.reports.conftest import make_programme

HEADER = "level,programme,country,region,municipality,year,certified,weight,starts_on,due_on\n"
PLAN = HEADER + (
    "target,PLN,,,,,100,,2026-01-01,2029-12-31\n"
    "milestone,PLN,,,,2026,10,,,\n"
    "milestone,PLN,,,,2027,40,,,\n"
    "region,PLN,CL,La Araucanía,,,60,,,\n"
    "region,PLN,UY,Cerro Largo,,,40,,,\n"
    "municipality,PLN,CL,La Araucanía,Melipeuco,,30,1.5,,\n"
    "municipality,PLN,CL,,Peñalolén,,20,,,\n"
)


@pytest.fixture
def programme(places):
    return make_programme("PLN")


def counts() -> tuple[int, int, int]:
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                 for model in (Target, Milestone, Allocation))


def test_a_whole_plan_is_imported(programme, places):
    report = import_targets(PLAN)
    db.session.commit()
    assert (report.rows, report.targets, report.milestones, report.regions,
            report.municipalities) == (7, 1, 2, 2, 2)
    totals = report.totals["PLN"]
    assert (totals.regions, totals.municipalities) == (100, 50)
    target = db.session.scalar(sa.select(Target))
    assert [(m.year, m.certified) for m in target.milestones] == [(2026, 10), (2027, 40)]
    weight = db.session.scalar(sa.select(Allocation.weight).where(
        Allocation.municipality_id == places.melipeuco.id))
    assert str(weight) == "1.50"


def test_importing_twice_changes_nothing_and_a_level_replaces_that_level(programme, places):
    import_targets(PLAN)
    import_targets(PLAN)
    assert counts() == (1, 2, 4)
    import_targets(HEADER + "municipality,PLN,UY,Cerro Largo,Tupambaé,,5,,,\n")
    assert counts() == (1, 2, 3)  # the two regions stay; one municipality replaces two


def test_export_and_import_again(programme, places):
    import_targets(PLAN)
    exported = targets_csv(db.session.scalar(sa.select(Target)))
    assert exported.splitlines()[0] == HEADER.strip()
    assert "municipality,PLN,CL,La Araucanía,Melipeuco,,30,1.50,," in exported
    import_targets(exported)
    assert counts() == (1, 2, 4)


@pytest.mark.parametrize(("row", "line", "message"), [
    ("target,PLN,,,,,0,,2026-01-01,2029-12-31", 2, "certified: 0 is not from 1"),
    ("target,PLN,,,,,100,,2026-01-01,2025-01-01", 2, "due date must come after"),
    ("target,PLN,,,,,100,,01/01/2026,2029-12-31", 2, "is not a date written as YYYY-MM-DD"),
    ("goal,PLN,,,,,100,,,", 2, "'goal' is not one of target, milestone"),
    ("target,XYZ,,,,,100,,2026-01-01,2029-12-31", 2, "'XYZ' is not the code of a programme"),
    ("region,PLN,CL,Atacama,,,5,,,", 2, "'Atacama' is not a known region of country 'CL'"),
    ("municipality,PLN,CL,,Springfield,,5,,,", 2, "'Springfield' is not a known municipality"),
    ("municipality,PLN,CL,,Melipeuco,,five,,,", 2, "'five' is not a whole number"),
    ("municipality,PLN,CL,,Melipeuco,,5,-1,,", 2, "weight: -1 must be more than 0"),
    ("milestone,PLN,,,,2026,10,,,", 2, "PLN has no target yet"),
])
def test_each_wrong_row_is_named_by_its_line(programme, places, english, row, line, message):
    with pytest.raises(ImportRejected) as caught:
        import_targets(HEADER + row + "\n")
    (error,) = caught.value.row_errors
    assert error.line == line and message in "; ".join(error.messages)


def test_nothing_is_written_when_any_row_is_wrong(programme, places, english):
    rows = PLAN.splitlines()
    rows[3] = "milestone,PLN,,,,2027,5,,,"  # less than 2026's 10: line 4
    rows.append("region,PLN,CL,La Araucanía,,,1,,,")  # already on line 5: line 9
    with pytest.raises(ImportRejected) as caught:
        import_targets("\n".join(rows) + "\n")
    assert [(error.line, error.messages[0][:40]) for error in caught.value.row_errors] == [
        (4, "The 2027 milestone (5) is less than the "),
        (9, "this place is already on line 5")]
    assert counts() == (0, 0, 0)


def test_the_header_is_checked_first(programme, english):
    with pytest.raises(ImportRejected) as caught:
        import_targets("level,programme,count\ntarget,PLN,5\n")
    assert caught.value.row_errors[0].line == 1
    assert "missing column(s): certified" in caught.value.row_errors[0].messages[0]
    with pytest.raises(ImportRejected, match="1 row"):
        import_targets(HEADER)


def test_semicolons_and_a_byte_order_mark_are_understood(programme, places):
    text = "\ufeff" + PLAN.replace(",", ";")
    assert import_targets(text).rows == 7


# --- the command -------------------------------------------------------------------------------

def test_the_command_imports_and_says_how_the_quotas_add_up(app, programme, places, tmp_path):
    path = tmp_path / "plan.csv"
    path.write_text(PLAN, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["reports", "targets", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "7 rows read: 1 target(s), 2 milestone(s), 2 region quota(s)" in result.output
    assert "PLN municipalities: 50 of 100 (50 short)" in result.output
    assert counts() == (1, 2, 4)


def test_the_command_lists_every_wrong_line_and_exits_with_2(app, programme, places, tmp_path):
    path = tmp_path / "plan.csv"
    path.write_text(PLAN + "region,PLN,CL,Atacama,,,5,,,\nmilestone,PLN,,,,1999,1,,,\n",
                    encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["reports", "targets", "import", str(path)])
    assert result.exit_code == 2
    assert f"{path}:9: " in result.output and f"{path}:10: " in result.output
    assert counts() == (0, 0, 0)


def test_the_command_exports_the_plan(app, programme, places):
    import_targets(PLAN)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["reports", "targets", "export", "PLN"])
    assert result.exit_code == 0 and result.output.splitlines()[1] == (
        "target,PLN,,,,,100,,2026-01-01,2029-12-31")
    missing = app.test_cli_runner().invoke(args=["reports", "targets", "export", "NOPE"])
    assert missing.exit_code == 2
