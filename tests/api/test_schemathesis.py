"""The API against its own OpenAPI description, by schemathesis: a few generated requests
per operation, as a manager and as nobody. No answer may be a server error, and every
answer must be one the description declares (status, headers, body, content type).

Driven through schemathesis's Python API (operation by operation, Hypothesis bounded to a
few examples each) so a run stays within seconds and prints its figures.
"""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

EXAMPLES_PER_OPERATION = 4
# Data valid by the schema alone may still be refused for what it means (an id of nothing,
# an end before its start): those 422s are declared, and checked by the conformance checks.
NOT_CHECKED = [positive_data_acceptance]


def exercise(app, headers: dict[str, str]) -> tuple[Counter, list[str]]:
    """Run every operation; the statuses seen and a line per failed check."""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    statuses: Counter = Counter()
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, "the description lists no operation"
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
                  database=None, suppress_health_check=list(HealthCheck))
        def run(case):
            response = case.call_and_validate(headers=headers, excluded_checks=NOT_CHECKED)
            statuses[response.status_code] += 1

        try:
            run()
        except (Exception, BaseExceptionGroup) as failure:  # every failure is reported
            failures.append(f"{operation.label}: {_summary(failure)}")
    statuses["operations"] = len(operations)
    return statuses, failures


def _summary(failure: BaseException) -> str:
    lines = [line.strip() for line in str(failure).splitlines() if line.strip()]
    return " | ".join(lines[:12])[:1200]


def report(who: str, statuses: Counter, failures: list[str]) -> None:
    requests = sum(count for key, count in statuses.items() if key != "operations")
    server_errors = sum(count for key, count in statuses.items() if isinstance(key, int)
                        and key >= 500)
    print(f"\nschemathesis as {who}: {statuses['operations']} operations, {requests} requests, "
          f"{server_errors} server errors, {len(failures)} failed checks; statuses "
          + ", ".join(f"{key}: {count}" for key, count in sorted(
              (item for item in statuses.items() if item[0] != "operations"), key=str)))


@pytest.mark.filterwarnings("ignore")
def test_the_api_as_a_manager(app, bearer, manager, programme):
    statuses, failures = exercise(app, bearer(manager))
    report("a manager", statuses, failures)
    assert failures == [], "\n".join(failures)


@pytest.mark.filterwarnings("ignore")
def test_the_api_as_nobody(app):
    statuses, failures = exercise(app, {})
    report("nobody", statuses, failures)
    assert failures == [], "\n".join(failures)
