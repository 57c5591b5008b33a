"""Writes to the admission pipeline. Every change of a candidate goes through here.

Each write runs in one transaction: the candidate row is locked (``select_for_update``) and its
``version`` compared with the one the user saw, the input is checked (bad input is refused and
saves nothing), the rules of ``candidates.rules`` are checked under the regulation in force on
the event date (a failure blocks the step unless an override role gives a written reason), one
append-only ``CandidateEvent`` is written and the candidate's current fields are kept in step.
"""

import copy
import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Field, QuerySet
from django.utils import timezone

from members.models import EventKind as MemberEventKind
from members.models import Membership, Person
from members.selectors import member_namesakes
from members.services import (
    membership_admit,
    membership_recognise,
    membership_record_event,
    membership_renumber_admission,
    refuse_namesake,
    renumber_reason,
)
from organizations import permissions
from organizations.models import CELL_KINDS, Organization
from partydev.audit import bulk_history
from partydev.formats import short_date

from . import facts, rules
from .models import (
    OPEN_STAGES,
    PIPELINE,
    STEP_ACTS,
    Candidate,
    CandidateEvent,
    CriterionCheck,
    EventKind,
    Introduction,
    LocalCriterion,
    Stage,
)


class RuleFailed(ValidationError):
    """One or more rules failed; ``failures`` lists them, and an override is possible."""

    def __init__(self, failures: list[rules.Failure], can_override: bool) -> None:
        self.failures = failures
        self.can_override = can_override
        super().__init__([f.message for f in failures])


# The fields each step records, and the field holding its effective date.
STEP_FIELDS: dict[str, list[str]] = {
    Stage.CULTIVATION: ["cultivation_date", "helper"],
    Stage.COURSE: ["certificate_number", "certificate_date"],
    Stage.DOSSIER: [
        "form1_date",
        "form2_date",
        "introduction",
        "form3_date",
        "introducer_1",
        "introducer_2",
        "no_youth_union",
        "introducer_1_since",
        "introducer_2_since",
        "together_statement_date",
        "form5_date",
    ],
    Stage.VERIFICATION: ["verification_result", "verification_date", "verification_subjects"],
    Stage.CELL_VOTE: [
        "cell_vote_date",
        "cell_present",
        "cell_total",
        "cell_votes_for",
        "literacy_basis",
        "literacy_consent_number",
        "literacy_consent_date",
        "over_60_consent_number",
        "over_60_consent_date",
    ],
    Stage.PARTIAL_APPRAISAL: ["partial_date", "partial_members", "partial_votes_for"],
    Stage.COMMITTEE_VOTE: ["committee_date", "committee_members", "committee_votes_for", "decision_extended"],
    Stage.DECISION: ["decision_number", "decision_date", "decided_by", "decision_received_date"],
    Stage.PROBATIONARY: ["ceremony_date"],
    Stage.RECOGNITION_PROPOSED: ["recognition_proposal_date"],
    Stage.OFFICIAL: ["recognition_decision_date"],
}
DATE_FIELD: dict[str, str] = {
    Stage.CULTIVATION: "cultivation_date",
    Stage.COURSE: "certificate_date",
    Stage.VERIFICATION: "verification_date",
    Stage.CELL_VOTE: "cell_vote_date",
    Stage.PARTIAL_APPRAISAL: "partial_date",
    Stage.COMMITTEE_VOTE: "committee_date",
    Stage.DECISION: "decision_date",
    Stage.PROBATIONARY: "ceremony_date",
    Stage.RECOGNITION_PROPOSED: "recognition_proposal_date",
    Stage.OFFICIAL: "recognition_decision_date",
}
FORM_DATES = ["form1_date", "form2_date", "form3_date", "form5_date"]
MEMBER_FIELDS = {"helper", "introducer_1", "introducer_2"}
OPTIONAL_FIELDS = {
    "decision_extended",
    "introducer_1",
    "introducer_2",
    "decision_received_date",
    "certificate_number",
    "no_youth_union",
    "introducer_1_since",
    "introducer_2_since",
    "together_statement_date",
    # Required on a forward step (rules.verification_problems); a back-fill may not know them.
    "verification_subjects",
    "literacy_basis",
    "literacy_consent_number",
    "literacy_consent_date",
    "over_60_consent_number",
    "over_60_consent_date",
}
MODEL_FIELDS = {f.name for f in Candidate._meta.get_fields()}


d = short_date


def _model_field(name: str) -> Field:
    field = Candidate._meta.get_field(name)
    assert isinstance(field, Field)  # the step fields are the candidate's own columns
    return field


def label(field: str) -> str:
    return str(_model_field(field).verbose_name)


def next_stage(candidate: Candidate) -> str | None:
    """The next step forward, skipping the partial committee where the cell has none."""
    if candidate.stage not in PIPELINE or candidate.stage == Stage.OFFICIAL:
        return None
    following = PIPELINE[PIPELINE.index(candidate.stage) + 1]
    if following == Stage.PARTIAL_APPRAISAL and not rules.has_partial_committee(candidate.cell):
        following = Stage.COMMITTEE_VOTE
    return following


def stages_through(cell: Organization, stage: str) -> list[str]:
    """The forward path from the first step after ``source`` up to ``stage``, for this cell."""
    path = PIPELINE[1 : PIPELINE.index(stage) + 1]
    if Stage.PARTIAL_APPRAISAL in path and not rules.has_partial_committee(cell):
        path.remove(Stage.PARTIAL_APPRAISAL)
    return path


def check_role(user: Any, cell: Organization, stage: str, decided_by: Organization | None = None) -> None:
    """Raise PermissionDenied unless ``user`` records ``stage`` for ``cell``'s candidates
    (``rules.STEP_CAPABILITY``). ``user`` None: a system job (demo, import) on its own authority."""
    if user is not None and not rules.may_record_step(user, cell, stage, decided_by):
        raise PermissionDenied(rules.step_refusal(stage))


def _in_scope(user: Any, org: Organization) -> bool:
    return user is None or Organization.objects.for_user(user).filter(pk=org.pk).exists()


def _require_cell(cell: Organization | None, field: str = "cell") -> None:
    if cell is None or cell.kind not in CELL_KINDS:
        raise ValidationError({field: "Hãy chọn một chi bộ (chi bộ trực thuộc hoặc chi bộ cơ sở)."})


def _check_not_future(day: datetime.date, field: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: f"{label(field).capitalize()} ({d(day)}) không được sau hôm nay."})


def _step_date(candidate: Candidate, stage: str, data: dict) -> datetime.date:
    """The step's date (the latest form of a dossier), after the checks every step shares: the
    required fields, no date in the future or before the birth, the order of the history."""
    # Members (helper, introducers) are checked below with their own message.
    required = [f for f in STEP_FIELDS[stage] if f not in OPTIONAL_FIELDS and f not in MEMBER_FIELDS]
    errors = {f: f"Cần nhập {label(f)}." for f in required if data.get(f) in (None, "")}
    if errors:
        raise ValidationError(errors)
    if stage == Stage.DOSSIER:
        effective = max(data[f] for f in FORM_DATES)
    else:
        effective = data[DATE_FIELD[stage]]
    for field in STEP_FIELDS[stage]:
        if isinstance(data.get(field), datetime.date):
            _check_not_future(data[field], field)
    if candidate.person.date_of_birth and effective <= candidate.person.date_of_birth:
        raise ValidationError({DATE_FIELD.get(stage, "form1_date"): "Ngày không được trước ngày sinh."})
    # The awareness certificate may predate the cultivation list; every other step follows the
    # latest date recorded so far.
    floor = max(d_ for d_ in (candidate.stage_date, candidate.cultivation_date) if d_)
    if stage != Stage.COURSE and effective < floor:
        field = DATE_FIELD.get(stage) or max(FORM_DATES, key=lambda f: data[f])
        raise ValidationError(
            {
                field: (
                    f"Ngày {d(effective)} trước ngày của bước trước «{Stage(candidate.stage).label}» ({d(floor)}): "
                    "các bước phải theo đúng thứ tự thời gian."
                )
            }
        )
    saved = _saved_events(candidate) if stage != Stage.COURSE else []
    previous = saved[-1] if saved else None
    if previous is not None:
        field = DATE_FIELD.get(stage) or max(FORM_DATES, key=lambda f: data[f])
        what = (
            "lần chưa đạt gần nhất (biểu quyết chưa đạt 2/3)"
            if previous.kind == EventKind.VOTE_FAILED
            else f"sự kiện đã ghi gần nhất «{previous.get_kind_display()}»"
        )
        if problem := rules.step_date_problem(effective, label(field), previous.effective_date, what):
            raise ValidationError({field: problem})

    return effective


def _check_step_input(
    candidate: Candidate, stage: str, data: dict, grassroots: Organization | None, backfill: bool = False
) -> tuple[datetime.date, list]:
    """Bad input for one step: raise with a message naming the field. Returns the effective date
    and, on a back-fill, the shortfalls of the 12 months together as rule failures to record
    (the step already happened; the system may not hold the records it needs)."""
    # Before the required fields: an empty number is told the register's number too. A back-fill
    # makes a new candidate, who has no papers yet.
    if stage == Stage.DECISION and not backfill and (problems := rules.issued_decision_problems(candidate, data)):
        raise ValidationError(problems)
    effective = _step_date(candidate, stage, data)
    recorded = []
    if stage == Stage.DOSSIER:
        reg = rules.regulation_on(effective)
        hard, short = rules.introducer_problems(reg, candidate, data, grassroots, data["form3_date"])
        if hard or (short and not backfill):
            raise ValidationError({**short, **hard})
        recorded = [rules.Failure("introducer_together", message) for message in short.values()]
    if stage == Stage.VERIFICATION and not (backfill and not data.get("verification_subjects")):
        problems = rules.verification_problems(rules.regulation_on(effective), data.get("verification_subjects"))
        if problems:
            raise ValidationError(problems)
    if stage == Stage.CELL_VOTE:
        problems = rules.exception_route_problems(rules.regulation_on(effective), candidate, data, effective)
        if problems:
            raise ValidationError(problems)
    if stage in rules.STEP_INPUT_CHECKS and (problems := rules.STEP_INPUT_CHECKS[stage](candidate, data, grassroots)):
        raise ValidationError(problems)
    return effective, recorded


def _lock(candidate: Candidate | int, expected_version: int | None) -> Candidate:
    pk = candidate.pk if isinstance(candidate, Candidate) else candidate
    # Lock the candidate's row only (of=self), reading its cell and person in the same query.
    locked = Candidate.objects.select_for_update(of=("self",)).select_related("cell", "person").get(pk=pk)
    if expected_version is not None and locked.version != expected_version:
        raise ValidationError("Hồ sơ vừa được người khác cập nhật; hãy tải lại trang rồi ghi lại.")
    locked._fact_key = facts.key_of(locked)  # where the stage facts count it now (see _write)
    return locked


def _saved_events(candidate: Candidate) -> list[CandidateEvent]:
    """The candidate's saved events in (effective date, id) order: read once per write, on the
    row it locked (the events this write adds are saved at its end, by ``_write``)."""
    if not candidate.pk:
        return []
    saved = getattr(candidate, "_saved_events", None)
    if saved is None:
        saved = candidate._saved_events = list(candidate.events.order_by("effective_date", "id"))  # type: ignore[attr-defined]
    return saved


def _save(candidate: Candidate, old_version: int) -> None:
    """Write the candidate's current fields back, guarded by its version (belt and braces with the
    row lock: a writer that did not lock cannot silently overwrite)."""
    candidate.next_due, candidate.due_kind = rules.next_deadline(candidate)
    candidate.version = old_version + 1
    # Field checks only: the votes-present-total constraints are checked with a message in
    # _check_step_input and enforced again by the database.
    candidate.full_clean(
        exclude=["person", "cell", "helper", "introducer_1", "introducer_2", "decided_by", "membership"],
        validate_constraints=False,
    )
    fields = {
        f.attname: getattr(candidate, f.attname)
        for f in Candidate._meta.concrete_fields
        if f.name not in ("id", "created_at")
    }
    updated = Candidate.objects.filter(pk=candidate.pk, version=old_version).update(**fields)
    if updated != 1:
        raise ValidationError("Hồ sơ vừa được người khác cập nhật; hãy tải lại trang rồi ghi lại.")


def _event_data(stage: str, data: dict) -> dict:
    out = {}
    for field in STEP_FIELDS.get(stage, []):
        value = data.get(field)
        if isinstance(value, datetime.date):
            value = value.isoformat()
        elif hasattr(value, "pk"):
            value = {"id": value.pk, "name": str(value)}  # type: ignore[union-attr]
        out[field] = value
    return out


def _set_step_fields(candidate: Candidate, stage: str, data: dict) -> None:
    for field in STEP_FIELDS[stage]:
        if field in data:
            setattr(candidate, field, data[field])


def _apply_step(
    candidate: Candidate,
    stage: str,
    data: dict,
    *,
    user: Any,
    kind: str,
    override_reason: str = "",
    enforce_rules: bool = True,
) -> CandidateEvent:
    """Check and record one forward step on a locked candidate."""
    # The grassroots organisation matters only where a helper or introducers are named.
    grassroots = rules.grassroots_of(candidate.cell) if stage in (Stage.CULTIVATION, Stage.DOSSIER) else None
    effective, recorded = _check_step_input(candidate, stage, data, grassroots, backfill=kind == EventKind.BACKFILLED)
    _set_step_fields(candidate, stage, data)
    if stage == Stage.DOSSIER and data["introduction"] != Introduction.MEMBERS:
        candidate.introducer_2, candidate.introducer_2_since = None, None
    if stage == Stage.DOSSIER and data["introduction"] != Introduction.TRADE_UNION:
        candidate.no_youth_union = False
    reg, failures = rules.failures_for(stage, candidate, effective)
    failures = failures + recorded
    overrides = []
    reason = (override_reason or "").strip()
    if failures:
        can_override = user is None or permissions.may_override_rule(user, candidate.cell)
        if any(f.code in rules.ROUTE_ONLY for f in failures):
            can_override = False  # met only by its named route, never by a free-text reason
        if enforce_rules and not (reason and can_override):
            raise RuleFailed(failures, can_override)
        overrides = [{"code": f.code, "message": f.message} for f in failures]
        if not reason:
            reason = "Nhập bổ sung hồ sơ đã qua bước này." if kind == EventKind.BACKFILLED else ""
    stage_from = candidate.stage
    if stage == Stage.PROBATIONARY:
        assert candidate.decision_date is not None  # the decision step came first
        candidate.membership = membership_admit(
            person=candidate.person,
            cell=candidate.cell,
            decision_number=candidate.decision_number,
            decision_date=candidate.decision_date,
            decided_by=candidate.decided_by,
            ceremony_date=candidate.ceremony_date,
            recorded_by=user,
        )
    if stage == Stage.OFFICIAL:
        # The ceremony made the membership; this step's form gave the recognition's date.
        assert candidate.ceremony_date and candidate.membership and candidate.recognition_decision_date
        candidate.official_from = rules.probation_ends(candidate.ceremony_date)
        membership_recognise(
            candidate.membership,
            decision_date=candidate.recognition_decision_date,
            official_from=candidate.official_from,
            user=user,
        )
    candidate.stage = stage
    candidate.stage_date = effective
    event_data = _event_data(stage, data)
    if stage == Stage.CELL_VOTE:
        event_data["routes"] = rules.routes_used(candidate)  # the written exceptions used, for the reports
    return CandidateEvent(
        candidate=candidate,
        kind=kind,
        stage_from=stage_from,
        stage_to=stage,
        effective_date=effective,
        cell=candidate.cell,
        regulation=reg.key,
        data=event_data,
        overrides=overrides,
        override_reason=reason if overrides else "",
        recorded_by=user,
    )


def _write(candidate: Candidate, old_version: int, events: list[CandidateEvent]) -> Candidate:
    _save(candidate, old_version)
    change = facts.moved(candidate._fact_key, facts.key_of(candidate))  # the stage and due facts
    candidate._fact_key = facts.key_of(candidate)
    for event in events:
        event.full_clean(exclude=["candidate", "cell", "recorded_by"])
    # The stage ends, before the events join the history (the saved events, if read already).
    change.update(facts.events_added(candidate.pk, events, getattr(candidate, "_saved_events", None)))
    facts.apply(change)  # one lock of the cells, in the same transaction
    CandidateEvent.objects.bulk_create(events)
    # The conditional UPDATE and bulk_create write no history by themselves (partydev.audit).
    author = events[0].recorded_by if events else None
    bulk_history(Candidate, [candidate], user=author)
    bulk_history(CandidateEvent, events, update=False, user=author)
    return candidate


# --- the services ----------------------------------------------------------------------------------


def candidate_namesakes(full_name: str, date_of_birth: datetime.date, grassroots: Organization) -> QuerySet[Person]:
    """People on the pipeline in ``grassroots`` of the same name (case aside) and birth date."""
    return Person.objects.filter(
        full_name__iexact=full_name, date_of_birth=date_of_birth, candidacies__cell__path__startswith=grassroots.path
    ).distinct()


@transaction.atomic
def candidate_create(
    *,
    person_fields: dict,
    cell: Organization,
    source_kind: str,
    effective_date: datetime.date,
    user: Any = None,
    namesake_check: bool = False,
) -> Candidate:
    """Put an outstanding person on the cell's source list (stage 1).

    ``namesake_check`` (the add form, until the user confirms): refuse a second person of the
    same name and birth date among the members and candidates of the grassroots organisation."""
    _require_cell(cell)
    if not _in_scope(user, cell):
        raise ValidationError({"cell": "Chi bộ này nằm ngoài phạm vi của bạn."})
    check_role(user, cell, Stage.SOURCE)
    person = Person(**person_fields)
    person.full_clean()
    if namesake_check:
        refuse_namesake(person, cell, member_namesakes, candidate_namesakes)
    if effective_date > timezone.localdate():
        raise ValidationError({"effective_date": "Ngày đưa vào nguồn không được sau hôm nay."})
    person.save()
    candidate = Candidate(
        person=person, cell=cell, source_kind=source_kind, stage=Stage.SOURCE, stage_date=effective_date
    )
    candidate.full_clean(exclude=["person"])
    candidate.save()
    facts.apply(facts.moved((), facts.key_of(candidate)))
    CandidateEvent.objects.create(
        candidate=candidate,
        kind=EventKind.CREATED,
        stage_to=Stage.SOURCE,
        effective_date=effective_date,
        cell=cell,
        regulation=rules.regulation_on(effective_date).key,
        data={"source_kind": source_kind},
        recorded_by=user,
    )
    return candidate


@transaction.atomic
def candidate_advance(
    candidate: Candidate | int,
    stage: str,
    *,
    data: dict,
    user: Any = None,
    override_reason: str = "",
    expected_version: int | None = None,
) -> Candidate:
    """Record the next step of the pipeline, dated by its decision or meeting."""
    locked = _lock(candidate, expected_version)
    if not locked.is_open:
        raise ValidationError(f"Hồ sơ đã kết thúc ({Stage(locked.stage).label}): không ghi thêm bước.")
    expected = next_stage(locked)
    if stage != expected:
        raise ValidationError(
            {
                "stage": (
                    f"Bước tiếp theo là «{STEP_ACTS.get(Stage(expected), '—') if expected else '—'}», "
                    f"không thể ghi «{STEP_ACTS.get(Stage(stage), Stage(stage).label)}». "
                    "Người đã qua nhiều bước hãy nhập bổ sung (back-fill)."
                )
            }
        )
    check_role(user, locked.cell, stage, data.get("decided_by"))
    old_version = locked.version
    event = _apply_step(locked, stage, data, user=user, kind=EventKind.ADVANCED, override_reason=override_reason)
    return _write(locked, old_version, [event])


@transaction.atomic
def candidate_backfill(
    *,
    person_fields: dict,
    cell: Organization,
    source_kind: str,
    source_date: datetime.date,
    stage: str,
    data: dict,
    user: Any = None,
) -> Candidate:
    """Enter someone already part-way through at the stage they reached, with the dates they have.

    Each step up to ``stage`` is checked for bad input as if recorded on its date; failed rules
    are recorded on the events (the steps already happened), never silently dropped.
    """
    if stage not in PIPELINE or stage == Stage.SOURCE:
        raise ValidationError({"stage": "Hãy chọn giai đoạn đã đạt (sau giai đoạn nguồn)."})
    candidate = candidate_create(
        person_fields=person_fields, cell=cell, source_kind=source_kind, effective_date=source_date, user=user
    )
    locked = _lock(candidate, None)
    old_version = locked.version
    events = []
    for step in stages_through(cell, stage):
        check_role(user, cell, step, data.get("decided_by"))
        events.append(_apply_step(locked, step, data, user=user, kind=EventKind.BACKFILLED, enforce_rules=False))
    return _write(locked, old_version, events)


def _clear_after(candidate: Candidate, stage: str) -> None:
    for later in PIPELINE[PIPELINE.index(stage) + 1 :]:
        for field in STEP_FIELDS.get(later, []):
            model_field = _model_field(field)
            setattr(candidate, field, model_field.get_default() if not model_field.null else None)


@transaction.atomic
def candidate_record_failed_vote(
    candidate: Candidate | int, stage: str, *, data: dict, user: Any = None, expected_version: int | None = None
) -> CandidateEvent:
    """Record a vote of the cell or of a committee that did not reach 2/3: a dated event with the
    figures; the candidate stays where they are and may be voted on again. After the third such
    vote at the same step the body reports to the committee above (the event says so)."""
    locked = _lock(candidate, expected_version)
    if not locked.is_open or stage not in rules.VOTE_RULES or stage != next_stage(locked):
        raise ValidationError({"stage": "Chỉ ghi lần biểu quyết chưa đạt cho bước biểu quyết tiếp theo của hồ sơ."})
    check_role(user, locked.cell, stage)
    earlier = locked.failed_votes()
    effective, _ = _check_step_input(locked, stage, data, None)
    if earlier and effective < earlier[-1].effective_date:
        raise ValidationError(
            {
                DATE_FIELD[stage]: (
                    f"Lần biểu quyết này ({d(effective)}) trước lần chưa đạt gần nhất ({d(earlier[-1].effective_date)})."
                )
            }
        )
    probe = copy.copy(locked)  # the figures are checked, not kept: the step has not happened
    _set_step_fields(probe, stage, data)
    reg, failures = rules.failures_for(stage, probe, effective)
    vote = next((f for f in failures if f.code == rules.VOTE_RULES[stage]), None)
    if vote is None:
        raise ValidationError(f"Lần biểu quyết này đạt từ 2/3 trở lên: hãy ghi nhận bước «{Stage(stage).label}».")
    attempt = len(earlier) + 1
    event = CandidateEvent(
        candidate=locked,
        kind=EventKind.VOTE_FAILED,
        stage_from=locked.stage,
        stage_to=locked.stage,
        effective_date=effective,
        cell=locked.cell,
        regulation=reg.key,
        data={
            **_event_data(stage, data),
            "step": stage,
            "attempt": attempt,
            "summary": vote.message,
            "report_upward": attempt >= reg.failed_votes_before_report,
        },
        recorded_by=user,
    )
    _write(locked, locked.version, [event])
    return event


@transaction.atomic
def candidate_renumber_decision(
    candidate: Candidate | int, number: str, *, user: Any = None, reason: str = ""
) -> Candidate:
    """The admission decision's number as the deciding body's register gave it to the issued
    paper (``documents``, which checked the issuer's capability): the candidate's
    ``decision_number`` and, once the ceremony has made the member, the membership's. One number
    for one decision; written like every candidate write (locked, versioned, in its history, with
    ``reason``: the paper that gave the number). After the ceremony the member's ADMITTED event
    keeps the number it was recorded with (append-only); see ``membership_renumber_admission``."""
    locked = _lock(candidate, None)
    before = locked.decision_number.strip()
    if before != number:
        locked.decision_number = number
        _save(locked, locked.version)
        bulk_history(Candidate, [locked], user=user, reason=renumber_reason(Candidate, before, number, reason))
    if locked.membership_id is not None:
        membership_renumber_admission(locked.membership_id, number, user=user, reason=reason)
    return locked


@transaction.atomic
def candidate_return(
    candidate: Candidate | int,
    *,
    to_stage: str,
    effective_date: datetime.date,
    reason: str,
    user: Any = None,
    expected_version: int | None = None,
) -> Candidate:
    """Send a candidate back to an earlier stage (e.g. the dossier must be completed again)."""
    locked = _lock(candidate, expected_version)
    if locked.stage not in OPEN_STAGES:
        raise ValidationError("Chỉ trả về bước trước khi chưa kết nạp.")
    if to_stage not in OPEN_STAGES or PIPELINE.index(to_stage) >= PIPELINE.index(locked.stage):
        raise ValidationError({"to_stage": "Hãy chọn một giai đoạn trước giai đoạn hiện tại."})
    check_role(user, locked.cell, Stage.SOURCE)
    _check_reason_and_date(locked, reason, effective_date)
    _clear_after(locked, to_stage)
    return _record_stage_change(locked, EventKind.RETURNED, to_stage, effective_date, reason, user)


def _record_stage_change(
    locked: Candidate,
    kind: str,
    stage_to: str,
    effective_date: datetime.date,
    reason: str,
    user: Any,
    data: dict | None = None,
) -> Candidate:
    """Put a locked candidate at ``stage_to`` from ``effective_date`` with its dated event (a
    return, a drop, a strike-off), and write both."""
    old_version, stage_from = locked.version, locked.stage
    locked.stage, locked.stage_date = stage_to, effective_date
    event = CandidateEvent(
        candidate=locked,
        kind=kind,
        stage_from=stage_from,
        stage_to=stage_to,
        effective_date=effective_date,
        cell=locked.cell,
        reason=reason.strip(),
        data=data or {},
        regulation=rules.regulation_on(effective_date).key,
        recorded_by=user,
    )
    return _write(locked, old_version, [event])


@transaction.atomic
def candidate_drop(
    candidate: Candidate | int,
    *,
    effective_date: datetime.date,
    reason: str,
    user: Any = None,
    expected_version: int | None = None,
) -> Candidate:
    """Take a candidate off the pipeline at any stage before admission, with a reason."""
    locked = _lock(candidate, expected_version)
    if locked.stage not in OPEN_STAGES:
        raise ValidationError(
            "Đảng viên dự bị không được công nhận thì xóa tên ở trang đảng viên, không dừng theo dõi ở đây."
        )
    check_role(user, locked.cell, Stage.SOURCE)
    _check_reason_and_date(locked, reason, effective_date)
    return _record_stage_change(locked, EventKind.DROPPED, Stage.DROPPED, effective_date, reason, user)


@transaction.atomic
def candidate_strike_off(
    candidate: Candidate | int,
    *,
    effective_date: datetime.date,
    reason: str,
    decision_number: str = "",
    user: Any = None,
    expected_version: int | None = None,
) -> Candidate:
    """A probationary member not recognised as official is struck off (xóa tên) by the deciding
    body: the member record gets its event through the members services, the candidate closes."""
    locked = _lock(candidate, expected_version)
    if locked.stage not in (Stage.PROBATIONARY, Stage.RECOGNITION_PROPOSED) or locked.membership_id is None:
        raise ValidationError("Chỉ xóa tên đảng viên dự bị (sau lễ kết nạp, chưa được công nhận chính thức).")
    check_role(user, locked.cell, Stage.STRUCK_OFF)
    _check_reason_and_date(locked, reason, effective_date)
    membership_record_event(
        locked.membership,  # type: ignore[arg-type]  # checked above: membership_id is set
        kind=MemberEventKind.STRUCK_OFF,
        effective_date=effective_date,
        user=user,
        reason=reason.strip(),
        decision_number=decision_number.strip(),
    )
    data = {"decision_number": decision_number.strip()}
    return _record_stage_change(locked, EventKind.STRUCK_OFF, Stage.STRUCK_OFF, effective_date, reason, user, data)


@transaction.atomic
def candidate_move(
    candidate: Candidate | int,
    *,
    to_cell: Organization,
    effective_date: datetime.date,
    reason: str = "",
    user: Any = None,
    expected_version: int | None = None,
) -> Candidate:
    """Move a candidate to another cell (the person moved, or the cell was reorganised)."""
    locked = _lock(candidate, expected_version)
    if locked.stage not in OPEN_STAGES:
        raise ValidationError("Sau khi kết nạp, chuyển sinh hoạt đảng ở trang đảng viên.")
    _require_cell(to_cell, "to_cell")
    if to_cell.pk == locked.cell_id:
        raise ValidationError({"to_cell": "Đối tượng đã ở chi bộ này."})
    if not _in_scope(user, to_cell):
        raise ValidationError({"to_cell": "Chi bộ nơi đến nằm ngoài phạm vi của bạn."})
    check_role(user, locked.cell, Stage.SOURCE)
    _check_reason_and_date(locked, reason or "-", effective_date)
    old_version, from_cell = locked.version, locked.cell
    locked.cell = to_cell
    event = CandidateEvent(
        candidate=locked,
        kind=EventKind.MOVED,
        stage_from=locked.stage,
        stage_to=locked.stage,
        effective_date=effective_date,
        cell=to_cell,
        reason=reason.strip(),
        data={"from_cell": {"id": from_cell.pk, "name": from_cell.name}},
        regulation=rules.regulation_on(effective_date).key,
        recorded_by=user,
    )
    return _write(locked, old_version, [event])


def _check_reason_and_date(candidate: Candidate, reason: str, effective_date: datetime.date) -> None:
    if not (reason or "").strip():
        raise ValidationError({"reason": "Cần ghi lý do."})
    if effective_date > timezone.localdate():
        raise ValidationError({"effective_date": "Ngày không được sau hôm nay."})
    if effective_date < candidate.stage_date:
        raise ValidationError(
            {"effective_date": f"Ngày không được trước ngày của giai đoạn hiện tại ({d(candidate.stage_date)})."}
        )


@transaction.atomic
def criterion_check(
    candidate: Candidate, criterion: LocalCriterion, *, met_on: datetime.date, user: Any = None
) -> CriterionCheck:
    """Tick a local criterion for a candidate."""
    check_role(user, candidate.cell, Stage.SOURCE)
    if not candidate.cell.path.startswith(criterion.organization.path):
        raise ValidationError("Tiêu chí này không áp dụng cho chi bộ của đối tượng.")
    if met_on > timezone.localdate():
        raise ValidationError({"met_on": "Ngày không được sau hôm nay."})
    check, _ = CriterionCheck.objects.update_or_create(
        candidate=candidate, criterion=criterion, defaults={"met_on": met_on, "recorded_by": user}
    )
    return check


def official_members_of_grassroots(cell: Organization) -> QuerySet[Membership]:
    """Official members a helper or introducer can be chosen from."""
    grassroots = rules.grassroots_of(cell)
    if grassroots is None:
        return Membership.objects.none()
    return (
        Membership.objects.filter(
            status="official",
            cell_id__in=Organization.objects.filter(path__startswith=grassroots.path).order_by().values("id"),
        )
        .select_related("person", "cell")
        .order_by("person__full_name")
    )
