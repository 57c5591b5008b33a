"""Writes to the members register. Every change of a membership goes through here.

Each write runs in one transaction, validates with ``full_clean()`` and the rules below, appends
a dated ``MembershipEvent`` and keeps the membership's current fields and its periods in step.
Messages are in Vietnamese and name the field they are about.
"""

import datetime
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from organizations import permissions
from organizations.models import CELL_KINDS, Organization
from partydev.audit import bulk_history
from partydev.formats import short_date
from partydev.text import fold

from . import facts
from .history import Period, periods_from_events
from .models import (
    ACTIVE_STATUSES,
    EXIT_KINDS,
    PERSON_FIELDS,
    EventKind,
    Membership,
    MembershipEvent,
    MembershipPeriod,
    Person,
    Proposal,
    Status,
)
from .selectors import grassroots_of, member_namesakes

# The statuses each event may be recorded from. Admission and transfer in from outside create
# a membership and have their own services.
ALLOWED_FROM: dict[str, set[str]] = {
    EventKind.RECOGNISED: {Status.PROBATIONARY},
    EventKind.TRANSFERRED_OUT: set(ACTIVE_STATUSES),
    EventKind.TRANSFERRED_IN: {Status.TRANSFERRED_OUT},
    EventKind.EXEMPTED: set(ACTIVE_STATUSES),
    EventKind.EXEMPTION_ENDED: set(ACTIVE_STATUSES),
    EventKind.STRUCK_OFF: set(ACTIVE_STATUSES),
    EventKind.LEFT: set(ACTIVE_STATUSES),
    # A probationary member is struck off, not expelled, and holds no post to be removed from.
    EventKind.EXPELLED: {Status.OFFICIAL},
    EventKind.REPRIMANDED: set(ACTIVE_STATUSES),
    EventKind.WARNED: set(ACTIVE_STATUSES),
    EventKind.REMOVED_FROM_POST: {Status.OFFICIAL},
    EventKind.DIED: set(ACTIVE_STATUSES),
    EventKind.READMITTED: {Status.STRUCK_OFF, Status.LEFT},
}
STATUS_AFTER = {
    EventKind.STRUCK_OFF: Status.STRUCK_OFF,
    EventKind.LEFT: Status.LEFT,
    EventKind.EXPELLED: Status.EXPELLED,
    EventKind.DIED: Status.DIED,
    EventKind.RECOGNISED: Status.OFFICIAL,
    EventKind.READMITTED: Status.PROBATIONARY,
}
__all__ = ["EXIT_KINDS"]  # members.models is their home; kept importable from here
PROPOSABLE_KINDS = [k for k in ALLOWED_FROM if k not in (EventKind.TRANSFERRED_IN, EventKind.READMITTED)]
REASON_REQUIRED = {
    EventKind.STRUCK_OFF,
    EventKind.EXPELLED,
    EventKind.REPRIMANDED,
    EventKind.WARNED,
    EventKind.REMOVED_FROM_POST,
}
READMISSION_WAIT_MONTHS = 36
ADULT_AGE = 18


d = short_date


def add_months(day: datetime.date, months: int) -> datetime.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError


def age_on(born: datetime.date, day: datetime.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _check_date(day: datetime.date | None, field: str, label: str, born: datetime.date | None) -> datetime.date:
    if day is None:
        raise ValidationError({field: f"Cần nhập {label}."})
    if day > timezone.localdate():
        raise ValidationError({field: f"{label.capitalize()} ({d(day)}) ở tương lai."})
    if born and day < born:
        raise ValidationError({field: f"{label.capitalize()} ({d(day)}) trước ngày sinh ({d(born)})."})
    return day


def _resolve_organization(code: str, user: Any, field: str, *, check_scope: bool = True) -> Organization:
    org = Organization.objects.filter(code=code.strip()).first()
    if org is None:
        raise ValidationError({field: f"Không có tổ chức đảng mã «{code}»."})
    if check_scope and user is not None and not Organization.objects.for_user(user).filter(pk=org.pk).exists():
        raise ValidationError({field: f"Tổ chức đảng «{code}» ngoài phạm vi của bạn."})
    return org


def _require_cell(org: Organization, field: str) -> None:
    if org.kind not in CELL_KINDS:
        raise ValidationError({field: f"«{org.name}» không phải là chi bộ: đảng viên sinh hoạt ở một chi bộ."})


def _rebuild_periods(membership: Membership, events: list[MembershipEvent] | None = None) -> None:
    """The membership's periods from its events (``events``: all of them, in id order, if the
    caller has them), and the cells' balances with them (facts)."""
    if events is None:
        events = list(membership.events.order_by("id"))
    old = [
        Period(*row) for row in membership.periods.order_by("start").values_list("cell_id", "status", "start", "end")
    ]
    new = periods_from_events(events)
    if old == new:
        return
    membership.periods.all().delete()
    MembershipPeriod.objects.bulk_create(
        MembershipPeriod(membership=membership, cell_id=p.cell_id, status=p.status, start=p.start, end=p.end)
        for p in new
    )
    facts.apply_period_change(facts.period_change(old, new))


def _open_membership(membership: Membership, **event: Any) -> Membership:
    """Write a new membership (validated) with its first event, in its cell, and its periods."""
    membership.full_clean()
    membership.save()
    _save_event(MembershipEvent(membership=membership, cell=membership.cell, **event))
    _rebuild_periods(membership)
    return membership


def _save_event(event: MembershipEvent) -> MembershipEvent:
    # Its membership, cell and author are rows this write has loaded (locked, scoped, signed in):
    # full_clean need not look each up again. The other organisation comes from input: checked.
    event.full_clean(exclude=["membership", "cell", "recorded_by"])
    event.save()
    facts.record_flows([event], {event.membership_id: event.membership.person})
    return event


# --- creating a membership ------------------------------------------------------------------


def _new_person(person_fields: dict) -> Person:
    person = Person(**person_fields)
    if person.national_id == "":
        person.national_id = None
    person.full_clean()
    return person


def _check_admission(
    person: Person, cell: Organization, decision_date: datetime.date | None, ceremony_date: datetime.date | None
) -> datetime.date:
    """The admission's checks; returns its decision date (refused if missing)."""
    _require_cell(cell, "cell")
    decision_date = _check_date(
        decision_date, "admission_decision_date", "ngày quyết định kết nạp", person.date_of_birth
    )
    if age_on(person.date_of_birth, decision_date) < ADULT_AGE:
        raise ValidationError(
            {
                "admission_decision_date": f"Chưa đủ {ADULT_AGE} tuổi tại ngày quyết định kết nạp {d(decision_date)} (sinh ngày {d(person.date_of_birth)})."
            }
        )
    if ceremony_date is not None:
        _check_date(ceremony_date, "ceremony_date", "ngày lễ kết nạp", person.date_of_birth)
        if ceremony_date < decision_date:
            raise ValidationError({"ceremony_date": "Ngày lễ kết nạp không được trước ngày quyết định kết nạp."})
    return decision_date


def validate_new_member(
    person: Person,
    *,
    cell: Organization,
    admission_decision_date: datetime.date | None,
    ceremony_date: datetime.date | None = None,
    official: bool = False,
    official_from: datetime.date | None = None,
    recognition_decision_date: datetime.date | None = None,
    validate_unique: bool = True,
) -> tuple[datetime.date | None, datetime.date | None]:
    """The rules for a member entering the register by admission, now or years ago (an
    existing register being loaded). Returns (official_from, recognition_decision_date), filled
    in for an official member. Raises ValidationError naming the field. Writes nothing."""
    if person.national_id == "":
        person.national_id = None
    person.full_clean(validate_unique=validate_unique)
    admission_decision_date = _check_admission(person, cell, admission_decision_date, ceremony_date)
    if not official:
        if official_from or recognition_decision_date:
            raise ValidationError({"official_from": "Đảng viên dự bị chưa có ngày chính thức."})
        return None, None
    official_from = official_from or add_months(ceremony_date or admission_decision_date, 12)
    official_from = _check_date(official_from, "official_from", "ngày chính thức", person.date_of_birth)
    if official_from <= admission_decision_date:
        raise ValidationError({"official_from": "Ngày chính thức phải sau ngày quyết định kết nạp."})
    recognition_decision_date = recognition_decision_date or official_from
    _check_date(
        recognition_decision_date,
        "recognition_decision_date",
        "ngày quyết định công nhận chính thức",
        person.date_of_birth,
    )
    if recognition_decision_date < official_from:
        raise ValidationError(
            {"recognition_decision_date": "Ngày quyết định công nhận không được trước ngày chính thức."}
        )
    return official_from, recognition_decision_date


def refuse_namesake(
    person: Person, cell: Organization, *finders: Callable[[str, datetime.date, Organization], QuerySet[Person]]
) -> None:
    """A ValidationError on ``confirm_namesake`` when one of ``finders(name, born, grassroots)``
    finds somebody of the person's name and birth date in the cell's grassroots organisation.
    The grassroots row is locked first: of two simultaneous admissions of the same person, the
    second sees the first. Says nothing of the other person but that they exist."""
    grassroots = grassroots_of(cell)
    if grassroots is None or not person.full_name or not person.date_of_birth:
        return
    Organization.objects.select_for_update().filter(pk=grassroots.pk).first()
    if any(find(person.full_name, person.date_of_birth, grassroots).exists() for find in finders):
        raise ValidationError(
            {
                "confirm_namesake": f"Trong {grassroots.name} đã có một người tên {person.full_name}, sinh ngày "
                f"{short_date(person.date_of_birth)}. Nếu đây là một người khác, đánh dấu «Vẫn ghi» rồi gửi lại."
            },
            code="namesake",
        )


@transaction.atomic
def member_admit(
    *,
    person_fields: dict,
    cell: Organization,
    admission_decision_date: datetime.date,
    admission_decision_number: str = "",
    admission_decided_by: Organization | None = None,
    ceremony_date: datetime.date | None = None,
    user: Any = None,
    namesake_check: bool = False,
) -> Membership:
    """Admit a person (kết nạp): a new probationary member, dated by the admission decision.

    ``namesake_check`` (the admission form, until the user confirms): refuse a second person of
    the same name and birth date in the same grassroots organisation (``confirm_namesake``)."""
    permissions.require_unless_system(user, permissions.may_record_member_event, cell)
    person = _new_person(person_fields)
    _check_admission(person, cell, admission_decision_date, ceremony_date)
    if namesake_check:
        refuse_namesake(person, cell, member_namesakes)
    person.save()
    return membership_admit(
        person=person,
        cell=cell,
        decision_number=admission_decision_number,
        decision_date=admission_decision_date,
        decided_by=admission_decided_by,
        ceremony_date=ceremony_date,
        recorded_by=user,
    )


@transaction.atomic
def membership_admit(
    *,
    person: Person,
    cell: Organization,
    decision_number: str,
    decision_date: datetime.date,
    decided_by: Organization | None,
    ceremony_date: datetime.date | None,
    recorded_by: Any = None,
) -> Membership:
    """Admit an existing person (a candidate at the ceremony step): the membership, its ADMITTED
    event and its first period, in one transaction. Who may is the caller's check: the candidate
    pipeline's step (``candidates.rules.STEP_CAPABILITY``) or ``member_admit``."""
    _check_admission(person, cell, decision_date, ceremony_date)
    membership = Membership(
        person=person,
        cell=cell,
        status=Status.PROBATIONARY,
        admission_decision_number=decision_number,
        admission_decision_date=decision_date,
        admission_decided_by=decided_by,
        ceremony_date=ceremony_date,
    )
    return _open_membership(
        membership,
        kind=EventKind.ADMITTED,
        effective_date=decision_date,
        decision_number=decision_number,
        status_after=Status.PROBATIONARY,
        other_organization=decided_by,
        recorded_by=recorded_by,
    )


def membership_recognise(
    membership: Membership,
    *,
    decision_date: datetime.date,
    official_from: datetime.date | None = None,
    user: Any = None,
) -> MembershipEvent:
    """Recognise a probationary member as official (công nhận chính thức)."""
    return membership_record_event(
        membership,
        kind=EventKind.RECOGNISED,
        effective_date=decision_date,
        official_from=official_from,
        user=user,
    )


@transaction.atomic
def members_register_bulk(entries: list[dict], *, user: Any = None) -> list[Membership]:
    """Load members of an existing register (the initial import), each already checked with
    ``validate_new_member``: their admission and, for official members, their recognition, as
    events. A few queries for the whole batch, whatever its size."""
    for cell in {e["cell"] for e in entries}:
        permissions.require_unless_system(user, permissions.may_record_member_event, cell)
    for e in entries:  # bulk_create does not call Person.save
        e["person"].name_search = fold(e["person"].full_name)
    persons = Person.objects.bulk_create([e["person"] for e in entries], batch_size=1000)
    memberships = []
    for e, person in zip(entries, persons):
        official = e["official_from"] is not None
        memberships.append(
            Membership(
                person=person,
                sort_name=person.name_search,
                cell=e["cell"],
                status=Status.OFFICIAL if official else Status.PROBATIONARY,
                admission_decision_number=e.get("admission_decision_number", ""),
                admission_decision_date=e["admission_decision_date"],
                admission_decided_by=e.get("admission_decided_by"),
                ceremony_date=e.get("ceremony_date"),
                official_from=e["official_from"],
                recognition_decision_date=e["recognition_decision_date"],
                card_number=e.get("card_number", ""),
            )
        )
    memberships = Membership.objects.bulk_create(memberships, batch_size=1000)
    events: list[MembershipEvent] = []
    periods: list[MembershipPeriod] = []
    for m in memberships:
        history = [
            MembershipEvent(
                membership=m,
                kind=EventKind.ADMITTED,
                effective_date=m.admission_decision_date,
                decision_number=m.admission_decision_number,
                cell=m.cell,
                status_after=Status.PROBATIONARY,
                other_organization=m.admission_decided_by,
                recorded_by=user,
            )
        ]
        if m.official_from:
            assert m.recognition_decision_date is not None  # validate_new_member fills it with official_from
            history.append(
                MembershipEvent(
                    membership=m,
                    kind=EventKind.RECOGNISED,
                    effective_date=m.recognition_decision_date,
                    cell=m.cell,
                    status_after=Status.OFFICIAL,
                    status_from=m.official_from,
                    was_probationary=True,
                    recorded_by=user,
                )
            )
        events.extend(history)
        periods.extend(
            MembershipPeriod(membership=m, cell_id=p.cell_id, status=p.status, start=p.start, end=p.end)
            for p in periods_from_events(history)
        )
    MembershipEvent.objects.bulk_create(events, batch_size=2000)
    MembershipPeriod.objects.bulk_create(periods, batch_size=2000)
    # The facts of the whole batch, in bulk (members.facts).
    facts.record_flows(events, {m.pk: m.person for m in memberships})
    facts.apply_period_change(facts.period_change([], [Period(p.cell_id, p.status, p.start, p.end) for p in periods]))
    # bulk_create writes no history by itself: the trail of each new row, with its author.
    bulk_history(Person, persons, update=False, user=user)
    bulk_history(Membership, memberships, update=False, user=user)
    bulk_history(MembershipEvent, events, update=False, user=user)
    return memberships


@transaction.atomic
def member_transfer_in_from_outside(
    *,
    person_fields: dict,
    cell: Organization,
    effective_date: datetime.date,
    origin_name: str,
    official: bool,
    admission_decision_date: datetime.date,
    official_from: datetime.date | None = None,
    decision_number: str = "",
    card_number: str = "",
    user: Any = None,
) -> Membership:
    """A member whose party activities are transferred in from an organisation outside the
    system (another province, a central bloc). Not an admission: their history starts here."""
    permissions.require_unless_system(user, permissions.may_record_member_event, cell)
    person = _new_person(person_fields)
    _require_cell(cell, "cell")
    if not origin_name.strip():
        raise ValidationError({"other_organization_name": "Cần ghi tổ chức đảng nơi chuyển đi."})
    _check_date(admission_decision_date, "admission_decision_date", "ngày quyết định kết nạp", person.date_of_birth)
    _check_date(effective_date, "effective_date", "ngày quyết định chuyển sinh hoạt", person.date_of_birth)
    if effective_date < admission_decision_date:
        raise ValidationError({"effective_date": "Ngày chuyển sinh hoạt không được trước ngày kết nạp."})
    status = Status.OFFICIAL if official else Status.PROBATIONARY
    person.save()
    membership = Membership(
        person=person,
        cell=cell,
        status=status,
        admission_decision_date=admission_decision_date,
        official_from=official_from if official else None,
        card_number=card_number,
    )
    return _open_membership(
        membership,
        kind=EventKind.TRANSFERRED_IN,
        effective_date=effective_date,
        decision_number=decision_number,
        status_after=status,
        was_probationary=not official,
        other_organization_name=origin_name.strip(),
        recorded_by=user,
    )


# --- events on an existing membership -------------------------------------------------------


def person_version(person: Person) -> str:
    """The version an edit form carries: a digest of the person's current fields, so a change made
    by anyone (a form, an import) since the form was drawn is noticed without a counter column."""
    values = "\x1f".join(str(getattr(person, f)) for f in PERSON_FIELDS)
    return hashlib.sha256(values.encode()).hexdigest()[:20]


@transaction.atomic
def person_update(person: Person, *, fields: dict, seen: str | None = None, user: Any = None) -> Person:
    """Correct a person's fields. The row is locked; if it changed since the form was drawn
    (``seen`` is ``person_version`` then), nothing is written and the user is told. A form posted
    without its version (``seen=""``) is refused the same way; ``None`` is a caller that checks none."""
    membership = Membership.objects.filter(person=person).select_related("cell").first()
    if membership is not None:
        permissions.require_unless_system(user, permissions.may_edit_person, membership.cell, fields)
    locked = Person.objects.select_for_update().get(pk=person.pk)
    if seen is not None and seen != person_version(locked):
        raise ValidationError(
            {
                NON_FIELD_ERRORS: "Thông tin cá nhân vừa được người khác sửa; thay đổi của bạn chưa được lưu. "
                "Hãy tải lại trang, xem thông tin mới rồi sửa lại nếu cần."
            }
        )
    for name in PERSON_FIELDS:
        if name in fields:
            setattr(locked, name, fields[name])
    if locked.national_id == "":
        locked.national_id = None
    locked.full_clean()
    locked.save()
    facts.refresh_profile(locked)  # the quality report's breakdowns follow the correction
    return locked


@transaction.atomic
def membership_renumber_admission(membership_id: int, number: str, *, user: Any = None, reason: str = "") -> Membership:
    """The admission decision's number on the member, as the deciding body's register gave it to
    the issued paper (``documents``, which checked the issuer's capability): one number for one
    decision. Locked and versioned like every write of a membership.

    The membership's ``admission_decision_number`` is the number in force, the one the member's
    page, the register's exports and the later papers read. The ADMITTED event is append-only and
    keeps the number it was recorded with (at the ceremony); the correction is in the membership's
    history: who, when, the number before and after and why (``reason``: the paper that made it).
    """
    locked = Membership.objects.select_for_update().get(pk=membership_id)
    before = locked.admission_decision_number
    if before != number:
        locked.admission_decision_number = number
        locked.version += 1
        Membership.objects.filter(pk=locked.pk).update(admission_decision_number=number, version=locked.version)
        # The update writes no history by itself: the trail's row names the author and the change.
        bulk_history(Membership, [locked], user=user, reason=renumber_reason(Membership, before, number, reason))
    return locked


def renumber_reason(model: Any, before: str, number: str, reason: str = "") -> str:
    """The history's words for a renumbered admission decision ("Số QĐ kết nạp «1-QĐ/HU» →
    «2-QĐ/HU»: 9-KNĐ số 2-QĐ/HU …"), cut to the history's column of ``model``."""
    text = f"Số QĐ kết nạp «{before or 'chưa ghi'}» → «{number}»" + (f": {reason}" if reason else "")
    limit = model.history.model._meta.get_field("history_change_reason").max_length
    return text if len(text) <= limit else text[: limit - 1] + "…"


# What a view passes when a decision form came back without its version: no membership has it
# (versions start at 1), so the form is refused as stale instead of skipping the check.
VERSION_MISSING = 0


def _lock(membership: Membership, version: int | None) -> Membership:
    locked = Membership.objects.select_for_update().select_related("person", "cell").get(pk=membership.pk)
    if version is not None and locked.version != version:
        raise ValidationError("Hồ sơ đảng viên vừa được người khác cập nhật; hãy tải lại trang rồi ghi lại.")
    return locked


def check_event_allowed(membership: Membership, kind: str) -> None:
    """Raise if the event makes no sense for the member's current status."""
    if kind not in ALLOWED_FROM:
        raise ValidationError({"kind": f"Không ghi được sự kiện «{EventKind(kind).label}» theo cách này."})
    status_label = Status(membership.status).label
    if membership.status not in ALLOWED_FROM[kind]:
        raise ValidationError(
            {"kind": f"Đảng viên đang ở tình trạng «{status_label}»: không thể ghi «{EventKind(kind).label}»."}
        )
    if kind == EventKind.EXEMPTED and membership.exempted:
        raise ValidationError({"kind": "Đảng viên đang được miễn công tác và sinh hoạt đảng."})
    if kind == EventKind.EXEMPTION_ENDED and not membership.exempted:
        raise ValidationError(
            {"kind": "Đảng viên không được miễn công tác và sinh hoạt đảng: không có gì để thôi miễn."}
        )
    if kind == EventKind.READMITTED and membership.events.filter(kind=EventKind.READMITTED).exists():
        raise ValidationError({"kind": "Chỉ được kết nạp lại một lần."})


# --- one handler per kind of event ------------------------------------------------------------


@dataclass(frozen=True)
class EventInput:
    """What a decision form gives beyond the event's common fields (stripped)."""

    effective_date: datetime.date
    user: Any
    official_from: datetime.date | None
    card_number: str
    other_organization_code: str
    other_organization_name: str
    temporary: bool
    cell_code: str


# The event to record and any others recorded with it (an in-system transfer's arrival); each
# handler also sets the membership's current fields (saved by ``membership_record_event``).
Recorded = tuple[MembershipEvent, list[MembershipEvent]]


def _recognise(m: Membership, base: dict[str, Any], given: EventInput) -> Recorded:
    official_from = given.official_from or add_months(m.ceremony_date or m.admission_decision_date, 12)
    if official_from <= m.admission_decision_date:
        raise ValidationError({"official_from": "Ngày chính thức phải sau ngày quyết định kết nạp."})
    if official_from > given.effective_date:
        raise ValidationError(
            {
                "official_from": f"Chưa hết 12 tháng dự bị: ngày chính thức {d(official_from)} sau ngày quyết định {d(given.effective_date)}."
            }
        )
    event = MembershipEvent(**base, cell=m.cell, status_after=Status.OFFICIAL, status_from=official_from)
    m.status, m.official_from, m.recognition_decision_date = Status.OFFICIAL, official_from, given.effective_date
    if given.card_number:
        m.card_number = given.card_number
    return event, []


def _transfer_out(m: Membership, base: dict[str, Any], given: EventInput) -> Recorded:
    if given.other_organization_code:
        dest = _resolve_organization(given.other_organization_code, given.user, "other_organization_code")
        _require_cell(dest, "other_organization_code")
        if dest.pk == m.cell_id:
            raise ValidationError({"other_organization_code": "Nơi chuyển đến trùng với chi bộ hiện tại."})
        event = MembershipEvent(**base, cell=m.cell, status_after=m.status, other_organization=dest)
        if given.temporary:
            return event, []
        # Within the system the member arrives the same day: one decision, two rows.
        arrival = MembershipEvent(
            **{**base, "kind": EventKind.TRANSFERRED_IN}, cell=dest, status_after=m.status, other_organization=m.cell
        )
        m.cell = dest
        return event, [arrival]
    if given.other_organization_name:
        # A temporary transfer keeps the member on this register; a permanent one ends it here.
        status_after = m.status if given.temporary else Status.TRANSFERRED_OUT
        event = MembershipEvent(
            **base, cell=m.cell, status_after=status_after, other_organization_name=given.other_organization_name
        )
        m.status = status_after
        return event, []
    raise ValidationError(
        {
            "other_organization_code": "Cần ghi nơi chuyển đến: mã tổ chức trong hệ thống, hoặc tên tổ chức ngoài hệ thống."
        }
    )


def _transfer_in(m: Membership, base: dict[str, Any], given: EventInput) -> Recorded:
    if not given.cell_code:
        raise ValidationError({"cell_code": "Cần ghi mã chi bộ nơi chuyển đến."})
    dest = _resolve_organization(given.cell_code, given.user, "cell_code")
    _require_cell(dest, "cell_code")
    out = m.events.filter(kind=EventKind.TRANSFERRED_OUT).order_by("-effective_date", "-id").first()
    status_after = Status.PROBATIONARY if out and out.was_probationary else Status.OFFICIAL
    event = MembershipEvent(
        **base, cell=dest, status_after=status_after, other_organization_name=given.other_organization_name
    )
    m.cell, m.status = dest, status_after
    return event, []


def _readmit(m: Membership, base: dict[str, Any], given: EventInput) -> Recorded:
    left_at = m.events.filter(kind__in=(EventKind.STRUCK_OFF, EventKind.LEFT)).order_by("-effective_date").first()
    if left_at and given.effective_date < add_months(left_at.effective_date, READMISSION_WAIT_MONTHS):
        raise ValidationError(
            {
                "effective_date": f"Chỉ được kết nạp lại sau ít nhất {READMISSION_WAIT_MONTHS} tháng kể từ {d(left_at.effective_date)}."
            }
        )
    dest = m.cell
    if given.cell_code:
        dest = _resolve_organization(given.cell_code, given.user, "cell_code")
        _require_cell(dest, "cell_code")
    event = MembershipEvent(**base, cell=dest, status_after=Status.PROBATIONARY)
    m.cell, m.status, m.official_from, m.recognition_decision_date = dest, Status.PROBATIONARY, None, None
    return event, []


EXEMPTED_AFTER = {EventKind.EXEMPTED: True, EventKind.EXEMPTION_ENDED: False}


def _change_status(m: Membership, base: dict[str, Any], given: EventInput) -> Recorded:
    """Every other kind: the status it leads to (``STATUS_AFTER``; none: unchanged), the exemption."""
    status_after = STATUS_AFTER.get(base["kind"], m.status)
    event = MembershipEvent(**base, cell=m.cell, status_after=status_after)
    m.status = status_after
    m.exempted = EXEMPTED_AFTER.get(base["kind"], m.exempted)
    return event, []


EVENT_HANDLERS: dict[str, Callable[[Membership, dict[str, Any], EventInput], Recorded]] = {
    EventKind.RECOGNISED: _recognise,
    EventKind.TRANSFERRED_OUT: _transfer_out,
    EventKind.TRANSFERRED_IN: _transfer_in,
    EventKind.READMITTED: _readmit,
}


@transaction.atomic
def membership_record_event(
    membership: Membership,
    *,
    kind: str,
    effective_date: datetime.date,
    user: Any = None,
    decision_number: str = "",
    reason: str = "",
    other_organization_code: str = "",
    other_organization_name: str = "",
    temporary: bool = False,
    official_from: datetime.date | None = None,
    card_number: str = "",
    cell_code: str = "",
    version: int | None = None,
    proposal: Proposal | None = None,
) -> MembershipEvent:
    """Record one decision about a member: validate, append the event(s), keep the current
    fields and the periods in step. Returns the event recorded (for an in-system transfer, the
    transfer out; its matching transfer in is recorded with it)."""
    m = _lock(membership, version)
    permissions.require_unless_system(user, permissions.may_record_member_event, m.cell)
    check_event_allowed(m, kind)
    born = m.person.date_of_birth
    _check_date(effective_date, "effective_date", "ngày quyết định", born)
    history = list(m.events.order_by("id"))  # read once: the last event, a repeat, the periods
    last = max(history, key=lambda e: (e.effective_date, e.pk), default=None)
    if last and effective_date < last.effective_date:
        raise ValidationError(
            {
                "effective_date": f"Ngày quyết định ({d(effective_date)}) trước sự kiện gần nhất «{last.get_kind_display()}» ({d(last.effective_date)})."
            }
        )
    number = decision_number.strip()
    if any((e.kind, e.effective_date, e.decision_number) == (kind, effective_date, number) for e in history):
        raise ValidationError("Sự kiện này đã được ghi (trùng loại, ngày và số quyết định).")
    if kind in REASON_REQUIRED and not reason.strip():
        raise ValidationError({"reason": f"Cần ghi lý do {EventKind(kind).label.lower()}."})

    was_probationary = m.status == Status.PROBATIONARY
    base = dict(
        membership=m,
        kind=kind,
        effective_date=effective_date,
        decision_number=decision_number.strip(),
        was_probationary=was_probationary,
        reason=reason.strip(),
        recorded_by=user,
        temporary=temporary,
    )
    given = EventInput(
        effective_date=effective_date,
        user=user,
        official_from=official_from,
        card_number=card_number.strip(),
        other_organization_code=other_organization_code.strip(),
        other_organization_name=other_organization_name.strip(),
        temporary=temporary,
        cell_code=cell_code.strip(),
    )
    event, extra_events = EVENT_HANDLERS.get(kind, _change_status)(m, base, given)

    _save_event(event)
    for extra in extra_events:
        _save_event(extra)
    m.version += 1
    # The person and the admitting committee do not change with an event; the cell, if it does,
    # is an organisation loaded in scope by the handler: no lookups of them again.
    m.full_clean(exclude=["person", "cell", "admission_decided_by"])
    m.save()
    _rebuild_periods(m, history + [e for e in (event, *extra_events) if e.membership_id == m.pk])
    if proposal is not None:
        proposal.state, proposal.event = Proposal.State.DECIDED, event
        proposal.save(update_fields=["state", "event"])
    _refreshed(membership, m)
    return event


def _refreshed(membership: Membership, saved: Membership) -> None:
    """``membership`` (the caller's) as ``saved`` (the locked row this write saved) now is: what
    ``refresh_from_db`` gives, without reading the row again."""
    for field in Membership._meta.concrete_fields:
        value = getattr(saved, field.attname)
        if field.is_relation and getattr(membership, field.attname) != value:
            membership._state.fields_cache.pop(field.name, None)
        setattr(membership, field.attname, value)


# --- proposals ------------------------------------------------------------------------------


@transaction.atomic
def proposal_create(
    membership: Membership,
    *,
    kind: str,
    proposed_on: datetime.date,
    user: Any = None,
    reason: str = "",
    other_organization_code: str = "",
    other_organization_name: str = "",
    temporary: bool = False,
) -> Proposal:
    """A cell's proposal, for the committee above to decide. Checked against the member's
    status now, so a proposal that could never be decided is refused at once."""
    m = _lock(membership, None)
    permissions.require_unless_system(user, permissions.may_propose_member_event, m.cell)
    if kind not in PROPOSABLE_KINDS:
        raise ValidationError({"kind": f"Chi bộ không đề nghị «{EventKind(kind).label}» theo cách này."})
    check_event_allowed(m, kind)
    _check_date(proposed_on, "proposed_on", "ngày đề nghị", m.person.date_of_birth)
    if kind in REASON_REQUIRED and not reason.strip():
        raise ValidationError({"reason": f"Cần ghi lý do đề nghị {EventKind(kind).label.lower()}."})
    if m.proposals.filter(kind=kind, state=Proposal.State.PENDING).exists():
        raise ValidationError({"kind": f"Đã có một đề nghị «{EventKind(kind).label}» đang chờ quyết định."})
    dest = None
    if kind == EventKind.TRANSFERRED_OUT:
        if other_organization_code.strip():
            # The cell only proposes: the destination must exist; the deciding committee checks
            # that it lies in its own scope when it records the decision.
            dest = _resolve_organization(other_organization_code, user, "other_organization_code", check_scope=False)
            _require_cell(dest, "other_organization_code")
            if dest.pk == m.cell_id:
                raise ValidationError({"other_organization_code": "Nơi chuyển đến trùng với chi bộ hiện tại."})
        elif not other_organization_name.strip():
            raise ValidationError(
                {
                    "other_organization_code": "Cần ghi nơi chuyển đến: mã tổ chức trong hệ thống, hoặc tên tổ chức ngoài hệ thống."
                }
            )
    proposal = Proposal(
        membership=m,
        kind=kind,
        proposed_on=proposed_on,
        reason=reason.strip(),
        other_organization=dest,
        other_organization_name="" if dest else other_organization_name.strip(),
        temporary=temporary,
        created_by=user,
    )
    proposal.full_clean()
    proposal.save()
    return proposal


@transaction.atomic
def proposal_reject(proposal: Proposal, *, user: Any = None) -> Proposal:
    proposal = Proposal.objects.select_for_update().select_related("membership__cell").get(pk=proposal.pk)
    permissions.require_unless_system(user, permissions.may_record_member_event, proposal.membership.cell)
    if proposal.state != Proposal.State.PENDING:
        raise ValidationError("Đề nghị này đã được xử lý.")
    proposal.state = Proposal.State.REJECTED
    proposal.save(update_fields=["state"])
    return proposal


# --- collective transfers (a restructuring) -------------------------------------------------


@transaction.atomic
def memberships_transfer_collective(
    memberships: Iterable[Membership],
    *,
    to_cell: Organization,
    effective_date: datetime.date,
    decision_number: str,
    reason: str,
    user: Any = None,
) -> int:
    """A collective transfer (chuyển sinh hoạt đảng tập thể): a decision moving the members of a
    cell that is merged or split to another cell, each by a transfer out and in dated by the
    decision. All or nothing; a refusal names the member. Returns the number moved."""
    moved = 0
    for m in memberships:
        try:
            membership_record_event(
                m,
                kind=EventKind.TRANSFERRED_OUT,
                effective_date=effective_date,
                decision_number=decision_number,
                reason=reason,
                other_organization_code=to_cell.code,
                user=user,
            )
        except ValidationError as error:
            raise ValidationError(f"Đảng viên {m.person.full_name} («{m.cell.name}»): {' '.join(error.messages)}")
        moved += 1
    return moved
