"""What the reports API reads (filters) and writes (every figure of the dashboard).

Output schemas dump the figures' own dataclasses; percentages are numbers from 0 to 100,
averages are on the 1-5 scale, dates are ISO 8601.
"""

from __future__ import annotations

from marshmallow import Schema, fields
from marshmallow.validate import Length, Range

from certify.accounts.models import MunicipalityKind
from certify.reports.funnel import FunnelStep
from certify.reports.pace import Standing
from certify.reports.places import PlaceSort
from certify.reports.register import RegisterStatus

# --- input -------------------------------------------------------------------------------------


class ReportQuerySchema(Schema):
    programme_id = fields.Integer(validate=Range(min=1), metadata={
        "description": "The programme (default: the first, by code, that has a target)."})
    country = fields.String(validate=Length(equal=2), metadata={
        "description": "ISO country code of the municipalities, e.g. CL."})
    region_id = fields.Integer(validate=Range(min=1))
    kind = fields.Enum(MunicipalityKind, by_value=True,
                       metadata={"description": "Rural or urban municipalities only."})
    cohort_id = fields.Integer(validate=Range(min=1),
                               metadata={"description": "One cohort of the programme."})
    year = fields.Integer(validate=Range(min=2000, max=2100),
                          metadata={"description": "Cohorts starting in this year."})


class ReportPlacesQuerySchema(ReportQuerySchema):
    sort = fields.Enum(PlaceSort, by_value=True, load_default=PlaceSort.NAME)
    descending = fields.Boolean(load_default=False)
    page = fields.Integer(validate=Range(min=1), load_default=1)
    per_page = fields.Integer(validate=Range(min=1, max=500), load_default=50)


class ReportRegisterQuerySchema(ReportQuerySchema):
    status = fields.Enum(RegisterStatus, by_value=True,
                         metadata={"description": "Only live, or only revoked, certificates."})
    page = fields.Integer(validate=Range(min=1), load_default=1)
    per_page = fields.Integer(validate=Range(min=1, max=1000), load_default=100)


# --- progress and pace -------------------------------------------------------------------------

class ReportMilestoneSchema(Schema):
    year = fields.Integer()
    certified = fields.Integer(metadata={"description": "Certified since the start, by the "
                                                        "end of the year."})


class ReportTargetRefSchema(Schema):
    certified = fields.Integer()
    starts_on = fields.Date()
    due_on = fields.Date()
    milestones = fields.List(fields.Nested(ReportMilestoneSchema))


class ReportRecentPaceSchema(Schema):
    months = fields.Integer(metadata={"description": "The window: the last 3 or 12 months."})
    certified = fields.Integer()
    per_month = fields.Float()
    forecast = fields.Date(allow_none=True, metadata={
        "description": "When the target is reached at this pace; null if never or reached."})
    in_time = fields.Boolean(allow_none=True)


class ReportPaceSchema(Schema):
    standing = fields.Enum(Standing, by_value=True)
    target = fields.Integer(allow_none=True)
    due_on = fields.Date(allow_none=True)
    certified = fields.Integer()
    expected = fields.Integer(allow_none=True,
                              metadata={"description": "On the target path today."})
    gap = fields.Integer(allow_none=True, metadata={
        "description": "Certified minus expected: negative when behind."})
    remaining = fields.Integer(allow_none=True)
    months_left = fields.Float(allow_none=True)
    needed_per_month = fields.Integer(allow_none=True, metadata={
        "description": "To certify each month from today to reach the target on time."})
    recent = fields.List(fields.Nested(ReportRecentPaceSchema))


class ReportMonthSchema(Schema):
    month = fields.Function(lambda point: point.month.strftime("%Y-%m"))
    certified = fields.Integer(allow_none=True)
    cumulative = fields.Integer(allow_none=True)
    target = fields.Integer(allow_none=True, metadata={"description": "The target path."})


class ReportProgrammeRefSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    title = fields.Function(lambda programme: programme.title_in(),
                            metadata={"description": "In the language of the request."})


class ReportProgressSchema(Schema):
    programme = fields.Nested(ReportProgrammeRefSchema, attribute="scope.programme")
    today = fields.Date()
    target = fields.Nested(ReportTargetRefSchema, allow_none=True)
    certified = fields.Integer(metadata={"description": "Live programme certificates to date."})
    pace = fields.Nested(ReportPaceSchema)
    months = fields.List(fields.Nested(ReportMonthSchema))


# --- places ------------------------------------------------------------------------------------

class ReportPlaceRowSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    region = fields.String()
    country = fields.String()
    kind = fields.Enum(MunicipalityKind, by_value=True, allow_none=True)
    target = fields.Integer(allow_none=True, metadata={"description": "The quota."})
    certified = fields.Integer()
    percent = fields.Float(allow_none=True, metadata={"description": "Of the quota."})
    pipeline = fields.Integer(metadata={"description": "Enrolled, not certified yet."})
    still_to_certify = fields.Integer(attribute="gap", allow_none=True)


class ReportPlacesSchema(Schema):
    level = fields.String()
    count = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()
    target = fields.Integer(metadata={"description": "Sums over every page."})
    certified = fields.Integer()
    pipeline = fields.Integer()
    unplaced = fields.Integer(allow_none=True, metadata={
        "description": "Certified people with no municipality on file."})
    rows = fields.List(fields.Nested(ReportPlaceRowSchema))


# --- funnel, attendance, equity ----------------------------------------------------------------

class ReportFunnelStepSchema(Schema):
    step = fields.Enum(FunnelStep, by_value=True)
    people = fields.Integer()
    dropped = fields.Integer(allow_none=True)
    percent_of_previous = fields.Float(attribute="share_of_previous", allow_none=True)
    percent_of_enrolled = fields.Float(attribute="share_of_enrolled", allow_none=True)


class ReportFunnelSchema(Schema):
    steps = fields.List(fields.Nested(ReportFunnelStepSchema))


class ReportSessionFiguresSchema(Schema):
    registered = fields.Integer(metadata={"description": "Seats taken (walk-ins apart)."})
    attended = fields.Integer(metadata={"description": "Present or late, walk-ins included."})
    attended_registered = fields.Integer()
    walk_ins = fields.Integer()
    no_shows = fields.Integer()
    excused = fields.Integer()
    absent = fields.Integer()
    waitlisted = fields.Integer()
    attendance_rate = fields.Float(allow_none=True, metadata={
        "description": "attended_registered / registered, from 0 to 1."})


class ReportSessionSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    cohort = fields.String()
    starts_at = fields.DateTime()
    figures = fields.Nested(ReportSessionFiguresSchema)


class ReportSatisfactionSchema(Schema):
    key = fields.String()
    label = fields.Dict(keys=fields.String(), values=fields.String())
    responses = fields.Integer()
    answers = fields.Integer()
    average = fields.Float(allow_none=True, metadata={"description": "On the 1-5 scale."})


class ReportSatisfactionGroupsSchema(Schema):
    by_module = fields.List(fields.Nested(ReportSatisfactionSchema))
    by_question = fields.List(fields.Nested(ReportSatisfactionSchema))
    overall = fields.Nested(ReportSatisfactionSchema)


class ReportAttendanceSchema(Schema):
    sessions = fields.List(fields.Nested(ReportSessionSchema))
    overall = fields.Nested(ReportSessionFiguresSchema)
    satisfaction = fields.Nested(ReportSatisfactionGroupsSchema)


class ReportEquityRowSchema(Schema):
    key = fields.String()
    name = fields.String(allow_none=True, metadata={"description": "Regions only."})
    certified = fields.Integer()
    certified_percent = fields.Float(attribute="certified_share", allow_none=True)
    enrolled = fields.Integer()
    enrolled_percent = fields.Float(attribute="enrolled_share", allow_none=True)
    baseline_percent = fields.Float(attribute="baseline", allow_none=True)
    gap_points = fields.Float(attribute="gap", allow_none=True, metadata={
        "description": "certified_percent minus baseline_percent."})
    certification_rate_percent = fields.Float(attribute="certification_rate", allow_none=True)


class ReportEquityDimensionSchema(Schema):
    dimension = fields.String()
    certified = fields.Integer()
    enrolled = fields.Integer()
    baseline_source = fields.String()
    baseline_illustrative = fields.Boolean(attribute="illustrative", metadata={
        "description": "True while the seeded illustrative shares are used."})
    rows = fields.List(fields.Nested(ReportEquityRowSchema))


class ReportEquitySchema(Schema):
    dimensions = fields.List(fields.Nested(ReportEquityDimensionSchema))


# --- register, targets, baseline ---------------------------------------------------------------

class ReportRegisterEntrySchema(Schema):
    serial = fields.String()
    name = fields.String()
    municipality = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    country = fields.String(allow_none=True)
    programme_code = fields.String()
    issued_at = fields.DateTime()
    status = fields.Enum(RegisterStatus, by_value=True)


class ReportRegisterSchema(Schema):
    programme = fields.Nested(ReportProgrammeRefSchema)
    count = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    entries = fields.List(fields.Nested(ReportRegisterEntrySchema))


class ReportAllocationTotalsSchema(Schema):
    regions = fields.Integer(metadata={"description": "Sum of the regions' quotas."})
    region_count = fields.Integer()
    regions_difference = fields.Integer(metadata={
        "description": "Regions' quotas minus the target: negative when short."})
    municipalities = fields.Integer()
    municipality_count = fields.Integer()
    municipalities_difference = fields.Integer()


class ReportTargetSchema(ReportTargetRefSchema):
    programme = fields.Nested(ReportProgrammeRefSchema)
    allocations = fields.Nested(ReportAllocationTotalsSchema)


class ReportBaselineDimensionSchema(Schema):
    dimension = fields.String()
    shares = fields.Dict(keys=fields.String(), values=fields.Float(),
                         metadata={"description": "Percent by group."})
    source = fields.String()
    illustrative = fields.Boolean()


class ReportBaselineSchema(Schema):
    dimensions = fields.List(fields.Nested(ReportBaselineDimensionSchema))
