"""The demo pipeline: in every cell of the demo province, a few candidates at each stage before
admission, dated back from today so the worklists are alive, some of them overdue.

Deterministic (a seeded generator, dates relative to ``today``) and bulk-loaded. Helpers and
introducers are official members of the same grassroots organisation from the members demo.
No admission is created here except a handful in the demo grassroots organisation (HB.TP.001),
through ``members.services.membership_admit``, all decided within the last 16 months: the published
admission figures (up to 30/06/2023) are untouched.
"""

import datetime
import json
import random
from collections import defaultdict
from types import SimpleNamespace

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from candidates import facts as candidate_facts
from candidates import rules
from candidates.models import (
    OPEN_STAGES,
    Candidate,
    CandidateEvent,
    EventKind,
    Introduction,
    LiteracyBasis,
    SourceKind,
    Stage,
    VerificationOutcome,
)
from members.models import GeneralEducation, Membership, Person, Status
from organizations.models import CELL_KINDS, GRASSROOTS_KINDS, Kind, Organization
from partydev.text import fold
from partydev.workdays import calendar_scope

FAMILY = ["Bùi", "Đinh", "Quách", "Hoàng", "Nguyễn", "Xa", "Lò", "Hà", "Sa", "Trần", "Lê", "Phạm", "Vì", "Lường"]
MIDDLE = {"male": ["Văn", "Đức", "Minh", "Quang", "Xuân"], "female": ["Thị", "Thu", "Ngọc", "Thanh", "Hồng"]}
GIVEN = {
    "male": ["Hùng", "Dũng", "Tuấn", "Nam", "Thắng", "Long", "Cường", "Hải", "Sơn", "Khánh", "Phong", "Quân"],
    "female": ["Hằng", "Lan", "Mai", "Hoa", "Nhung", "Thảo", "Hương", "Linh", "Trang", "Yến", "Ngân", "Vân"],
}
ETHNICITIES = [("muong", 63), ("kinh", 27), ("thai", 4), ("dao", 2), ("tay", 2), ("hmong", 2)]

# How many candidates each cell holds at each stage (the partial appraisal only where it exists).
PER_CELL = [
    (Stage.SOURCE, 2),
    (Stage.CULTIVATION, 2),
    (Stage.COURSE, 1),
    (Stage.DOSSIER, 1),
    (Stage.VERIFICATION, 1),
    (Stage.CELL_VOTE, 1),
    (Stage.PARTIAL_APPRAISAL, 1),
    (Stage.COMMITTEE_VOTE, 1),
    (Stage.DECISION, 1),
]
# Typical days between one step and the next.
GAP = {
    Stage.CULTIVATION: 60,
    Stage.COURSE: 45,
    Stage.DOSSIER: 30,
    Stage.VERIFICATION: 40,
    Stage.CELL_VOTE: 14,
    Stage.PARTIAL_APPRAISAL: 10,
    Stage.COMMITTEE_VOTE: 10,
    Stage.DECISION: 30,
}
# A thinner pipeline, for a province as big as today's Phú Thọ: per cell, how many candidates at
# each stage on average (about 0.45 admissions per cell a year: few are at the last steps at once,
# so the projection of the year stays near what the province admits).
THIN = {
    Stage.SOURCE: 1.5,
    Stage.CULTIVATION: 1.0,
    Stage.COURSE: 0.4,
    Stage.DOSSIER: 0.25,
    Stage.VERIFICATION: 0.2,
    Stage.CELL_VOTE: 0.08,
    Stage.PARTIAL_APPRAISAL: 0.3,
    Stage.COMMITTEE_VOTE: 0.05,
    Stage.DECISION: 0.03,
}
OVERDUE_SHARE = 0.15
# People admitted by a written exception (literacy, over 60), each with its consent.
EXCEPTION_SHARE = 0.002


def _pick(rng, weighted):
    total = sum(w for _, w in weighted)
    x = rng.uniform(0, total)
    for value, w in weighted:
        x -= w
        if x <= 0:
            return value
    return weighted[-1][0]


def _person(rng, today) -> Person:
    sex = rng.choice(["male", "female"])
    name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE[sex])} {rng.choice(GIVEN[sex])}"
    born = today - datetime.timedelta(days=rng.randint(19 * 365 + 30, 45 * 365))
    education = "upper_secondary" if rng.random() < 0.9 else "lower_secondary"
    exception = rng.random()
    if exception < EXCEPTION_SHARE:  # a respected elder of a village: over 60, reads and writes
        born = today - datetime.timedelta(days=rng.randint(62 * 365, 68 * 365))
        education = GeneralEducation.LITERATE
    elif exception < 2 * EXCEPTION_SHARE:  # over 60, with the schooling the rule asks
        born = today - datetime.timedelta(days=rng.randint(62 * 365, 66 * 365))
    return Person(
        full_name=name,
        name_search=fold(name),
        sex=sex,
        date_of_birth=born,
        ethnicity=_pick(rng, ETHNICITIES),
        general_education=education,
        youth_union=rng.random() < 0.6,
        professional_qualification=rng.choice(["none", "intermediate", "college", "university"]),
    )


def _history(rng, stage, path: list, today, overdue: bool, last=None) -> dict:
    """Effective dates of every step up to ``stage``, counted back from a recent last step."""
    steps = path[: path.index(stage) + 1]
    if last is None and overdue and stage in (Stage.CELL_VOTE, Stage.PARTIAL_APPRAISAL, Stage.COMMITTEE_VOTE):
        last = today - datetime.timedelta(days=rng.randint(100, 140))  # 60 working days have passed
    elif last is None and overdue and stage == Stage.DECISION:
        last = today - datetime.timedelta(days=rng.randint(50, 80))  # 30 working days have passed
    elif last is None:
        last = today - datetime.timedelta(days=rng.randint(2, 40))
    dates = {stage: last}
    current = last
    for earlier, later in zip(reversed(steps[:-1]), reversed(steps[1:])):
        current = current - datetime.timedelta(days=max(3, int(GAP[later] * rng.uniform(0.6, 1.4))))
        dates[earlier] = current
    return dates


def _apply(c: Candidate, stage, day, rng, helpers, decided_by_id):
    """Fill the candidate's fields for one step; return the event's data."""
    if stage == Stage.CULTIVATION:
        c.cultivation_date = day
        c.helper_id = rng.choice(helpers) if helpers else None
    elif stage == Stage.COURSE:
        # A few attended the course years ago: their certificate runs out soon (flagged at 90 days).
        old = rng.random() < 0.05 and c.stage in (Stage.COURSE, Stage.DOSSIER, Stage.VERIFICATION)
        c.certificate_date = day - datetime.timedelta(days=rng.randint(1740, 1800)) if old else day
        c.certificate_number = f"{rng.randint(100, 9999)}/CN-NTVĐ"
    elif stage == Stage.DOSSIER:
        c.form1_date = c.form2_date = day - datetime.timedelta(days=7)
        c.form3_date = day - datetime.timedelta(days=3)
        c.form5_date = day
        # The routes of rules.check_youth_introduction: a Youth Union member of youth age by the
        # Youth Union and one official member; otherwise two official members, or, in an
        # enterprise without a Youth Union, the trade union and one official member.
        youth = rules.in_youth_age(c.person.date_of_birth, c.form3_date) and c.person.youth_union
        picked = rng.sample(helpers, min(2, len(helpers)))
        if youth:
            c.introduction = Introduction.YOUTH_UNION
        elif len(picked) == 2 and (c.source_kind != SourceKind.ENTERPRISE or rng.random() < 0.5):
            c.introduction = Introduction.MEMBERS
            c.introducer_2_id = picked[1]
        else:
            c.introduction, c.no_youth_union = Introduction.TRADE_UNION, True
        c.introducer_1_id = picked[0] if picked else None
        # The records hold the candidate only from the source list: the secretary states since
        # when each introducer has worked or lived with them (two to eight years before).
        c.introducer_1_since = c.form3_date - datetime.timedelta(days=rng.randint(730, 2900))
        if c.introducer_2_id:
            c.introducer_2_since = c.form3_date - datetime.timedelta(days=rng.randint(730, 2900))
        c.together_statement_date = c.form3_date
    elif stage == Stage.VERIFICATION:
        c.verification_date, c.verification_result = day, "clear"
        subjects = {"applicant": VerificationOutcome.VERIFIED}
        for relation in ("father", "mother"):
            # A parent who is a party member and declared everything is not verified again.
            subjects[relation] = VerificationOutcome.EXEMPT if rng.random() < 0.15 else VerificationOutcome.VERIFIED
        if rules.age_months(c.person.date_of_birth, day) >= 27 * 12 and rng.random() < 0.6:
            subjects.update(spouse="verified", father_in_law="verified", mother_in_law="verified")
        c.verification_subjects = subjects
    elif stage == Stage.CELL_VOTE:
        total = rng.randint(6, 25)
        present = total - rng.randint(0, 2)
        c.cell_vote_date, c.cell_total, c.cell_present = day, total, present
        c.cell_votes_for = present - rng.randint(0, max(0, present - (2 * total + 2) // 3))
        # The written exceptions, each by its named route with the consent's number and date.
        if rules.age_months(c.person.date_of_birth, day) > 60 * 12:
            c.over_60_consent_number = f"{rng.randint(100, 999)}-CV/TU"
            c.over_60_consent_date = day - datetime.timedelta(days=rng.randint(7, 30))
        if c.person.general_education == GeneralEducation.LITERATE:
            c.literacy_basis = LiteracyBasis.VILLAGE_ELDER if rng.random() < 0.6 else LiteracyBasis.VILLAGE_HEAD
            c.literacy_consent_number = f"{rng.randint(100, 999)}-CV/TU"
            c.literacy_consent_date = day - datetime.timedelta(days=rng.randint(7, 30))
    elif stage == Stage.PARTIAL_APPRAISAL:
        c.partial_date, c.partial_members, c.partial_votes_for = day, 5, 5
    elif stage == Stage.COMMITTEE_VOTE:
        c.committee_date, c.committee_members = day, rng.choice([7, 9, 11, 13])
        c.committee_votes_for = c.committee_members - rng.randint(0, 2)
    elif stage == Stage.DECISION:
        c.decision_date, c.decision_received_date, c.decided_by_id = day, day, decided_by_id
        c.decision_number = f"{rng.randint(1, 999)}-QĐ/HU"


def _insert(model, objs: list) -> None:
    """Insert model instances in large multi-row statements with explicit ids (the model layer's
    bulk_create costs several times more than the database for 200,000 rows) and set the ids on
    the instances. Values are taken as they are: the objects are built here, valid by construction."""
    if not objs:
        return
    first = (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if f.name != "id"]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join([connection.ops.quote_name("id"), *[connection.ops.quote_name(f.column) for f in fields]])
    json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
    stamped = {f.attname for f in fields if getattr(f, "auto_now_add", False)}
    marks = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
    batch = 30_000 // (len(fields) + 1)
    with connection.cursor() as cursor:
        for i in range(0, len(objs), batch):
            chunk = objs[i : i + batch]
            params = []
            for j, obj in enumerate(chunk):
                obj.pk = first + i + j
                params.append(obj.pk)
                for f in fields:
                    value = getattr(obj, f.attname)
                    if f.attname in json_fields:
                        value = json.dumps(value)
                    elif f.attname in stamped and value is None:
                        value = now
                    params.append(value)
            # The driver's cursor, not Django's debug wrapper: formatting 30,000 parameters into
            # the query log costs more than the insert.
            cursor.cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {', '.join([marks] * len(chunk))}", params)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [model]):
            cursor.execute(sql)


@transaction.atomic
def seed_candidates(
    province_code: str = "HB",
    today: datetime.date | None = None,
    *,
    demo_grassroots: str | None = None,
    every: int = 1,
    full: str = "",
    thin: bool = False,
) -> int:
    """Seed the living pipeline. Idempotent: does nothing if the province already has candidates.
    ``every``: only one cell in ``every`` holds candidates, except the cells whose code starts
    with ``full`` (all of them do); ``demo_grassroots``: the code of the grassroots organisation
    where a few candidates are carried through the ceremony (``<province>.TP.001`` by default);
    ``thin``: the average counts of ``THIN`` per cell instead of ``PER_CELL``."""
    with calendar_scope():  # one read of the working-day calendar for every deadline
        return _seed_candidates(province_code, today, demo_grassroots, every, full, thin)


def _seed_candidates(
    province_code: str, today: datetime.date | None, demo_code=None, every=1, full="", thin=False
) -> int:
    today = today or timezone.localdate()
    province = Organization.objects.get(code=province_code)
    if Candidate.objects.filter(cell__path__startswith=province.path).exists():
        return 0
    rng = random.Random(20230630)
    steplen = Organization.steplen
    orgs = list(
        Organization.objects.filter(path__startswith=province.path, valid_to__isnull=True).values_list(
            "id", "path", "kind", "can_decide_admission", "code"
        )
    )
    kind_by_path = {path: kind for _, path, kind, _, _ in orgs}
    deciding = {path: pk for pk, path, kind, flag, _ in orgs if flag and kind not in GRASSROOTS_KINDS}
    cells = [
        (pk, path)
        for i, (pk, path, kind, _, code) in enumerate(o for o in orgs if o[2] in CELL_KINDS)
        if every <= 1 or (full and code.startswith(full)) or i % every == 0
    ]

    def grassroots_path(path):
        for depth in range(len(path) // steplen, 0, -1):
            if kind_by_path.get(path[: depth * steplen]) in GRASSROOTS_KINDS:
                return path[: depth * steplen]
        return path

    helpers_by_grassroots = defaultdict(list)
    path_of = {pk: path for pk, path, kind, _, _ in orgs if kind in CELL_KINDS}
    for pk, cell_id in (
        # Official (and not exempted) since before any demo introduction, so they may introduce.
        # By cell id, not a join on paths (a cursor over a join on paths is slow on PostgreSQL).
        Membership.objects.filter(
            status=Status.OFFICIAL,
            exempted=False,
            official_from__lte=today - datetime.timedelta(days=900),
            cell_id__in=list(path_of),
        )
        .order_by("id")
        .values_list("id", "cell_id")
    ):
        g = grassroots_path(path_of[cell_id])
        if len(helpers_by_grassroots[g]) < 12:
            helpers_by_grassroots[g].append(pk)

    demo_grassroots = (
        Organization.objects.filter(code=demo_code or f"{province_code}.TP.001").values_list("path", flat=True).first()
    )
    plans = []  # (cell_id, stage, dates, helpers, decided_by, forward path)
    people = []
    to_admit = []  # indexes into plans: carried through the ceremony by the services below
    for cell_id, path in cells:
        partial = kind_by_path.get(path[:-steplen]) == Kind.PARTIAL_COMMITTEE
        forward = [s for s in OPEN_STAGES if partial or s != Stage.PARTIAL_APPRAISAL]
        helpers = helpers_by_grassroots.get(grassroots_path(path), [])
        decided_by = next(
            (
                deciding[path[: d * steplen]]
                for d in range(len(path) // steplen - 1, 0, -1)
                if path[: d * steplen] in deciding
            ),
            None,
        )
        for stage, n in PER_CELL:
            if stage not in forward:
                continue
            if thin and not (
                demo_grassroots and path.startswith(demo_grassroots)
            ):  # the demo accounts' cells stay busy
                n = int(THIN[stage]) + (rng.random() < THIN[stage] % 1)
            for _ in range(n):
                overdue = rng.random() < OVERDUE_SHARE
                plans.append(
                    (cell_id, stage, _history(rng, stage, forward, today, overdue), helpers, decided_by, forward)
                )
                people.append(_person(rng, today))
        if demo_grassroots and path.startswith(demo_grassroots) and len(to_admit) < 6:
            # Decided 12 to 15 months ago, admitted 20 days later: probation ends around now.
            decided = today - datetime.timedelta(days=370 + 20 * len(to_admit))
            to_admit.append(len(plans))
            plans.append(
                (
                    cell_id,
                    Stage.DECISION,
                    _history(rng, Stage.DECISION, forward, today, False, decided),
                    helpers,
                    decided_by,
                    forward,
                )
            )
            people.append(_person(rng, today))
    _insert(Person, people)

    candidates = []
    for person, (cell_id, stage, dates, helpers, decided_by, forward) in zip(people, plans):
        c = Candidate(
            person=person,
            cell_id=cell_id,
            stage=stage,
            stage_date=dates[stage],
            version=1,
            source_kind=_pick(
                rng,
                [
                    (SourceKind.YOUTH_UNION, 4),
                    (SourceKind.RESIDENTIAL_AREA, 3),
                    (SourceKind.ENTERPRISE, 1),
                    (SourceKind.SCHOOL, 1),
                ],
            ),
        )
        for step in forward[1 : forward.index(stage) + 1]:
            _apply(c, step, dates[step], rng, helpers, decided_by)
            c.version += 1
        c.next_due, c.due_kind = rules.next_deadline(c)
        candidates.append(c)
    _insert(Candidate, candidates)

    defaults = {f.attname: f.get_default() for f in CandidateEvent._meta.concrete_fields}
    events = []
    for c, (cell_id, stage, dates, _h, _d, forward) in zip(candidates, plans):
        steps = forward[: forward.index(stage) + 1]
        previous = ""
        for step in steps:
            day = dates[step]
            # Plain rows, not model instances: 130,000 of them.
            events.append(
                SimpleNamespace(
                    **{
                        **defaults,
                        "candidate_id": c.pk,
                        "kind": EventKind.CREATED if step == Stage.SOURCE else EventKind.ADVANCED,
                        "stage_from": previous,
                        "stage_to": step,
                        "effective_date": day,
                        "cell_id": cell_id,
                        "regulation": rules.regulation_on(day).key,
                    }
                )
            )
            previous = step
    _insert(CandidateEvent, events)
    candidate_facts.rebuild(province)  # the bulk-loaded candidates' stage facts, in bulk
    _seed_admitted([candidates[i] for i in to_admit], today)  # through the services, facts and all
    return len(candidates)


def _seed_admitted(waiting: list[Candidate], today: datetime.date) -> None:
    """A few candidates of the demo grassroots organisation carried through the ceremony by the
    services, so the probation deadlines show too (the members services create the members)."""
    from django.core.exceptions import ValidationError

    from candidates import services

    try:
        from members.services import membership_admit  # noqa: F401 - the ceremony step needs it
    except ImportError:
        return
    for i, c in enumerate(waiting):
        ceremony = c.decision_date + datetime.timedelta(days=20)
        try:
            services.candidate_advance(c.pk, Stage.PROBATIONARY, data={"ceremony_date": ceremony}, user=None)
            ends = rules.probation_ends(ceremony)
            if i >= 4 and ends + datetime.timedelta(days=5) <= today:
                services.candidate_advance(
                    c.pk,
                    Stage.RECOGNITION_PROPOSED,
                    data={"recognition_proposal_date": ends + datetime.timedelta(days=5)},
                    user=None,
                )
        except ValidationError:
            continue
