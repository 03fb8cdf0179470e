from datetime import date
from tests.reports.conftest import *  # noqa
from certify.reports.scope import make_scope
from certify.reports.progress import certified_progress
from certify.reports.places import places_table
from certify.reports.funnel import funnel
from certify.reports.attendance import attendance_report
from certify.reports.equity import equity
from certify.reports.models import AllocationLevel
from certify.reports.targets import set_target, set_milestone
from certify.reports import charts

def test_smoke(nat, manager, client, login_as):
    p = nat.places
    a = nat.official(p.melipeuco); b = nat.official(p.penalolen, gender="male", birth_year=1960)
    certify_person(a, nat.cohort, date(2026, 10, 5))
    target = set_target(nat.programme, certified=100, starts_on=date(2026,1,1), due_on=date(2029,12,31), actor=manager)
    set_milestone(target, year=2026, certified=10)
    db.session.commit()
    scope = make_scope(programme_id=nat.programme.id)
    pr = certified_progress(scope, today=TODAY)
    print(pr.pace)
    print(places_table(scope, AllocationLevel.REGION, today=TODAY))
    print(places_table(scope, AllocationLevel.MUNICIPALITY, today=TODAY))
    print(funnel(scope))
    print(attendance_report(scope))
    print(equity(scope, today=TODAY))
    charts.cumulative_chart(pr)
    login_as(manager)
    for url in ["/reports", "/reports/places", "/reports/places?level=municipality&sort=percent&desc=1", "/reports/funnel", "/reports/attendance", "/reports/equity", "/reports/targets", "/reports/targets/allocations", "/reports/targets/allocations?level=municipality", "/reports/targets/import", "/reports/baseline",
                "/api/v1/reports/progress", "/api/v1/reports/regions", "/api/v1/reports/municipalities", "/api/v1/reports/funnel", "/api/v1/reports/attendance", "/api/v1/reports/equity", "/api/v1/reports/register", "/api/v1/reports/register.csv", f"/api/v1/reports/targets/{nat.programme.id}", f"/api/v1/reports/targets/{nat.programme.id}.csv", "/api/v1/reports/baseline", "/api/v1/reports/equity.csv", "/api/v1/reports/pace.csv"]:
        r = client.get(url)
        print(url, r.status_code, r.get_data(as_text=True)[:300] if r.status_code != 200 else "")
