"""Every admission rule and deadline, keyed by the regulation in force on the event date.

The rules are data (``Regulation``) plus small pure functions. A rule returns ``None`` when it
holds and a Vietnamese message when it fails; the services block a step on a failure unless a
user with an override role gives a written reason. Nothing else in the project decides
eligibility or deadlines: views and selectors call into here.

The regulations (DOMAIN.md §2 and §5; secondary sources quoting the texts): Regulation 29-QĐ/TW
(25/07/2016) until 29/07/2021, Regulation 24-QĐ/TW (30/07/2021, with Guidance 01-HD/TW of
28/09/2021 and 12-HD/BTCTW of 2022) until 19/01/2025, Regulation 232-QĐ/TW (20/01/2025) until
30/06/2025, Regulation 294-QĐ/TW (26/05/2025, in force 01/07/2025) with Guidance 06-HD/TW. An
event's regulation is the one in force on its effective date. On admissions the four agree
(ages, education, introducers, votes, working-day deadlines); each rule below names its source
(``Nguồn``), and ``Regulation.sources`` holds the same per entry for the pages and the README.
Where a point number is not given the secondary sources did not quote one.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from members.models import ACTIVE_STATUSES, GeneralEducation, Membership, MembershipEvent, MembershipPeriod, Status
from organizations import permissions
from organizations.models import GRASSROOTS_KINDS, Kind, Organization
from partydev.formats import short_date
from partydev.workdays import add_months, add_working_days, full_months_between

from .models import VERIFICATION_RELATIONS as VERIFICATION_RELATION_LABELS
from .models import (
    Candidate,
    CriterionCheck,
    DueKind,
    EventKind,
    Introduction,
    LocalCriterion,
    Stage,
    VerificationOutcome,
)


@dataclass(frozen=True)
class Regulation:
    key: str
    title: str
    in_force_from: datetime.date
    min_age_months: int = 18 * 12
    max_age_months: int = 60 * 12
    certificate_valid_months: int = 60
    certificate_warning_days: int = 90
    pass_share: Fraction = Fraction(2, 3)
    # A body that fails to reach 2/3 after this many votes reports to the committee above.
    failed_votes_before_report: int = 3
    # Youth age (Law on Youth 2020: from 16 to 30): introduced by the Youth Union where it exists.
    youth_max_age_years: int = 30
    decision_working_days: int = 60
    decision_extension_working_days: int = 30
    ceremony_working_days: int = 30
    probation_months: int = 12
    proposal_working_days: int = 30
    recognition_working_days: int = 30
    recognition_extension_working_days: int = 30
    accepted_education: frozenset = frozenset({GeneralEducation.LOWER_SECONDARY, GeneralEducation.UPPER_SECONDARY})
    accepted_education_disadvantaged: frozenset = frozenset(
        {GeneralEducation.PRIMARY, GeneralEducation.LOWER_SECONDARY, GeneralEducation.UPPER_SECONDARY}
    )
    # Introducers must have worked, studied or lived with the applicant this long in a unit of
    # the same grassroots organisation.
    introducer_together_months: int = 12
    # Kinds of organisation that may decide an admission (besides holding the
    # ``can_decide_admission`` flag and sitting above the cell).
    deciding_kinds: frozenset = field(default_factory=frozenset)
    # Rule code -> where the text says it (text, article or point), for the pages and the README.
    sources: dict = field(default_factory=dict, compare=False)


UPPER_LEVEL = {Kind.DISTRICT, Kind.CITY, Kind.BLOC, Kind.MILITARY, Kind.POLICE}

STATUTE = "Điều lệ Đảng (2011)"


def _sources(regulation: str, guidance: str) -> dict:
    """Where each rule is written, under one regulation and its guidance."""
    return {
        "age": f"{regulation}, điểm thi hành Điều 4 (tuổi đời: đủ 18 đến đủ 60, tính theo tháng); {guidance}",
        "over_60": f"{regulation}, điểm thi hành Điều 4; {guidance}: trên 60 tuổi khi ban thường vụ cấp ủy "
        "trực thuộc Trung ương đồng ý bằng văn bản trước khi cấp ủy có thẩm quyền quyết định",
        "education": f"{regulation}, điểm thi hành Điều 4 (học vấn: tốt nghiệp THCS; tiểu học ở vùng khó khăn); "
        f"{guidance}",
        "literacy": f"{regulation}, điểm thi hành Điều 4; {guidance}: già làng, trưởng bản, người có uy tín, "
        "ngư dân thường xuyên làm việc trên biển, đảo biết đọc, biết viết chữ quốc ngữ, khi ban thường vụ "
        "cấp ủy trực thuộc Trung ương đồng ý bằng văn bản",
        "certificate": f"{guidance} (giấy chứng nhận học lớp bồi dưỡng nhận thức về Đảng còn giá trị 60 tháng)",
        "introduction": f"{STATUTE}, Điều 4; {regulation}, điểm thi hành Điều 4 (người giới thiệu; "
        "mẫu 3-KNĐ, 3A-KNĐ, 4-KNĐ, 4A-KNĐ)",
        "youth_introduction": f"{STATUTE}, Điều 4 (người vào Đảng trong độ tuổi thanh niên là đoàn viên: "
        "Ban Chấp hành Đoàn cơ sở và một đảng viên chính thức giới thiệu; nơi không có tổ chức Đoàn: "
        "Ban Chấp hành Công đoàn cơ sở và một đảng viên chính thức)",
        "introducer_together": f"{STATUTE}, Điều 4; {regulation}, điểm thi hành Điều 4 (đảng viên chính "
        "thức, cùng công tác, học tập, cư trú ít nhất 12 tháng trong một đơn vị thuộc cùng tổ chức cơ sở đảng)",
        "verification": f"{guidance} (thẩm tra lý lịch người vào Đảng, cha mẹ hoặc người nuôi dưỡng, cha mẹ "
        "vợ hoặc chồng, vợ hoặc chồng, con đẻ đã trưởng thành; không thẩm tra lại người là đảng viên đã khai "
        "đầy đủ lý lịch)",
        "votes": f"{STATUTE}, Điều 4; {regulation}: từ hai phần ba trở lên tán thành",
        "deciding_body": f"{STATUTE}, Điều 4; {regulation} (thẩm quyền quyết định kết nạp)",
        "deadlines": f"{regulation}; {guidance}: quyết định trong 60 ngày làm việc (+30), lễ kết nạp trong 30 "
        "ngày làm việc, 12 tháng dự bị (Điều lệ Đảng, Điều 5), đề nghị và quyết định công nhận trong 30 ngày "
        "làm việc",
    }


# The standing committee directly above the grassroots, or an authorised grassroots committee.
DECIDING_BEFORE_REFORM = frozenset(UPPER_LEVEL | {Kind.GRASSROOTS_COMMITTEE})

REGULATIONS = (
    Regulation(
        key="2016",
        title="Quy định 29-QĐ/TW (2016), Hướng dẫn 01-HD/TW (2016)",
        in_force_from=datetime.date(2016, 7, 25),
        deciding_kinds=DECIDING_BEFORE_REFORM,
        sources=_sources("Quy định 29-QĐ/TW (25/07/2016)", "Hướng dẫn 01-HD/TW (20/09/2016)"),
    ),
    Regulation(
        key="2021",
        title="Quy định 24-QĐ/TW (2021), Hướng dẫn 12-HD/BTCTW",
        in_force_from=datetime.date(2021, 7, 30),
        deciding_kinds=DECIDING_BEFORE_REFORM,
        sources=_sources(
            "Quy định 24-QĐ/TW (30/07/2021)", "Hướng dẫn 01-HD/TW (28/09/2021), Hướng dẫn 12-HD/BTCTW (2022)"
        ),
    ),
    Regulation(
        key="2025-01",
        title="Quy định 232-QĐ/TW (2025), Hướng dẫn 12-HD/BTCTW",
        in_force_from=datetime.date(2025, 1, 20),
        deciding_kinds=DECIDING_BEFORE_REFORM,
        sources=_sources(
            "Quy định 232-QĐ/TW (20/01/2025)", "Hướng dẫn 01-HD/TW (28/09/2021), Hướng dẫn 12-HD/BTCTW (2022)"
        ),
    ),
    Regulation(
        key="2025",
        title="Quy định 294-QĐ/TW (2025), Hướng dẫn 06-HD/TW",
        in_force_from=datetime.date(2025, 7, 1),
        # Commune and ward committees and the province decide from 1/7/2025. District-level
        # committees stay accepted for trees not yet restructured (their flag says whether
        # they still may): a configurable transition, not law. (The reform issue revisits this.)
        deciding_kinds=frozenset(UPPER_LEVEL | {Kind.GRASSROOTS_COMMITTEE, Kind.COMMUNE, Kind.PROVINCE}),
        sources=_sources(
            "Quy định 294-QĐ/TW (26/05/2025, hiệu lực 01/07/2025)",
            "Hướng dẫn 06-HD/TW (09/06/2025), Hướng dẫn 38-HD/BTCTW (29/09/2025)",
        ),
    ),
)


def regulation_on(day: datetime.date) -> Regulation:
    """The regulation in force on ``day`` (the 2016 texts also cover earlier dates)."""
    current = REGULATIONS[0]
    for regulation in REGULATIONS:
        if day >= regulation.in_force_from:
            current = regulation
    return current


def regulation_by_key(key: str) -> Regulation:
    return next((r for r in REGULATIONS if r.key == key), REGULATIONS[-1])


# --- who acts --------------------------------------------------------------------------------

# Who records each step: a capability of ``organizations.permissions`` over the candidate's cell.
STEP_CAPABILITY: dict[str, permissions.Capability] = {
    Stage.SOURCE: permissions.may_work_in_cell,
    Stage.CULTIVATION: permissions.may_work_in_cell,
    Stage.COURSE: permissions.may_work_in_cell,
    Stage.DOSSIER: permissions.may_work_in_cell,
    Stage.VERIFICATION: permissions.may_do_committee_work,
    Stage.CELL_VOTE: permissions.may_work_in_cell,
    Stage.PARTIAL_APPRAISAL: permissions.may_do_committee_work,
    Stage.COMMITTEE_VOTE: permissions.may_do_committee_work,
    Stage.DECISION: permissions.may_decide_admission,
    Stage.PROBATIONARY: permissions.may_work_in_cell,
    Stage.RECOGNITION_PROPOSED: permissions.may_work_in_cell,
    Stage.OFFICIAL: permissions.may_decide_admission,
    Stage.STRUCK_OFF: permissions.may_decide_admission,
}


def may_record_step(user: Any, cell: Organization, stage: str, decided_by: Organization | None = None) -> bool:
    """Whether ``user`` records ``stage`` for a candidate of ``cell``; at the decision, a grassroots
    committee authorised to decide (``decided_by``) decides through its own staff."""
    may = STEP_CAPABILITY[stage]
    if may is permissions.may_decide_admission:
        return permissions.may_decide_admission(user, cell, decided_by if stage == Stage.DECISION else None)
    return may(user, cell)


def step_refusal(stage: str) -> str:
    return f"Bước «{Stage(stage).label}» do {STEP_CAPABILITY[stage].who} ghi nhận; tài khoản này không có quyền."


# --- the tree around a cell --------------------------------------------------------------------


def grassroots_of(cell: Organization) -> Organization | None:
    """The grassroots organisation a cell belongs to (a grassroots cell is its own), whose official
    members may help and introduce. In the 2025 shape a cell sits under a grassroots committee
    (perhaps through a partial committee) below a commune or a province-level committee, and a
    village cell directly under a commune is a grassroots cell. A plain cell left directly under
    a commune committee (placed before the rules refused it) is read as that committee's own: the
    commune then acts as its grassroots organisation rather than leaving it with none."""
    rows = list(
        Organization.objects.filter(path__in=cell.ancestor_paths, kind__in=(*GRASSROOTS_KINDS, Kind.COMMUNE))
        .order_by("-depth")
        .only("id", "path", "depth", "kind", "name", "code")
    )
    nearest = rows[0] if rows else None
    if nearest is None or nearest.kind in GRASSROOTS_KINDS:
        return nearest
    directly_under = len(cell.path) - len(nearest.path) == Organization.steplen
    return nearest if cell.kind == Kind.CELL and directly_under else None


def has_partial_committee(cell: Organization) -> bool:
    parent_path = cell.path[: -Organization.steplen]
    return Organization.objects.filter(path=parent_path, kind=Kind.PARTIAL_COMMITTEE).exists()


def is_official_member_of(membership: Membership | None, grassroots: Organization | None) -> bool:
    return (
        membership is not None
        and grassroots is not None
        and membership.status == Status.OFFICIAL
        and membership.cell.path.startswith(grassroots.path)
    )


# --- the rules ---------------------------------------------------------------------------------


def age_months(date_of_birth: datetime.date, on: datetime.date) -> int:
    return full_months_between(date_of_birth, on)


def months_and_days(start: datetime.date, end: datetime.date) -> str:
    """ "11 tháng 30 ngày": completed months from ``start`` to ``end``, then the days left."""
    months = max(full_months_between(start, end), 0)
    days = (end - add_months(start, months)).days if end >= start else 0
    return f"{months} tháng {days} ngày" if days else f"{months} tháng"


def check_age(reg: Regulation, candidate: Candidate, on: datetime.date) -> "str | Failure | None":
    """Nguồn: ``reg.sources["age"]``; over 60 only by the over-60 route (``reg.sources["over_60"]``):
    the province-level standing committee's written consent, its number and date on the cell vote."""
    months = age_months(candidate.person.date_of_birth, on)
    if months < reg.min_age_months:
        return f"Chưa đủ 18 tuổi vào ngày chi bộ xét ({months // 12} tuổi {months % 12} tháng)."
    if months > reg.max_age_months:
        if over_60_route_used(candidate):
            return None
        return Failure(
            "over_60",
            f"Quá 60 tuổi vào ngày chi bộ xét ({months // 12} tuổi {months % 12} tháng): chỉ kết nạp khi "
            "Ban Thường vụ Tỉnh ủy đồng ý bằng văn bản — ghi số và ngày văn bản đồng ý (trường hợp trên 60 tuổi).",
        )
    return None


@dataclass(frozen=True)
class ExceptionRoute:
    """A written exception of the texts: met only with its document (number and date) on the
    cell vote. Nguồn: ``reg.sources[key]``."""

    key: str
    label: str
    number_field: str
    date_field: str


EXCEPTION_ROUTES = (
    ExceptionRoute(
        "literacy",
        "Biết đọc, biết viết chữ quốc ngữ (già làng, trưởng bản, ngư dân) — Ban Thường vụ Tỉnh ủy đồng ý",
        "literacy_consent_number",
        "literacy_consent_date",
    ),
    ExceptionRoute(
        "over_60", "Trên 60 tuổi — Ban Thường vụ Tỉnh ủy đồng ý", "over_60_consent_number", "over_60_consent_date"
    ),
)


def routes_used(candidate: Candidate) -> list[str]:
    """The keys of the written exceptions the candidate's cell vote used."""
    used = {"literacy": literacy_route_used(candidate), "over_60": over_60_route_used(candidate)}
    return [route.key for route in EXCEPTION_ROUTES if used[route.key]]


def over_60_route_used(candidate: Candidate) -> bool:
    return bool(getattr(candidate, "over_60_consent_number", "") and getattr(candidate, "over_60_consent_date", None))


def literacy_route_used(candidate: Candidate) -> bool:
    return bool(
        getattr(candidate, "literacy_basis", "")
        and getattr(candidate, "literacy_consent_number", "")
        and getattr(candidate, "literacy_consent_date", None)
    )


def education_meets_the_rule(reg: Regulation, candidate: Candidate) -> bool:
    accepted = reg.accepted_education_disadvantaged if candidate.cell.disadvantaged_area else reg.accepted_education
    return candidate.person.general_education in accepted


def check_education(reg: Regulation, candidate: Candidate, on: datetime.date) -> str | None:
    """Nguồn: ``reg.sources["education"]``; below it only by the literacy route
    (``reg.sources["literacy"]``): village elders, heads of villages and fishermen who can read and
    write, with the standing committee's written consent, its number and date on the cell vote."""
    if education_meets_the_rule(reg, candidate) or literacy_route_used(candidate):
        return None
    route = (
        " Già làng, trưởng bản, ngư dân biết đọc, biết viết chữ quốc ngữ: chọn trường hợp và ghi số, ngày văn bản "
        "đồng ý của Ban Thường vụ Tỉnh ủy."
    )
    if candidate.cell.disadvantaged_area:
        return "Chưa hoàn thành chương trình tiểu học." + route
    return (
        "Chưa tốt nghiệp trung học cơ sở (chi bộ không thuộc vùng khó khăn nên không áp dụng trình độ tiểu học)."
        + route
    )


def exception_route_problems(reg: Regulation, candidate: Candidate, data: dict, on: datetime.date) -> dict[str, str]:
    """Bad input of the two written exceptions on the cell vote: a route needs its document
    (number and date), and is used only where the general rule is not met."""
    problems = {}
    basis = data.get("literacy_basis") or ""
    number = (data.get("literacy_consent_number") or "").strip()
    day = data.get("literacy_consent_date")
    if basis:
        if not number:
            problems["literacy_consent_number"] = "Trường hợp biết đọc, biết viết cần số văn bản đồng ý."
        if not day:
            problems["literacy_consent_date"] = "Trường hợp biết đọc, biết viết cần ngày văn bản đồng ý."
        if education_meets_the_rule(reg, candidate):
            problems["literacy_basis"] = (
                "Trình độ học vấn đã đạt quy định chung: không dùng trường hợp biết đọc, biết viết."
            )
    elif number or day:
        problems["literacy_basis"] = (
            "Văn bản đồng ý (biết đọc, biết viết) phải kèm trường hợp: già làng, trưởng bản, ngư dân."
        )
    number = (data.get("over_60_consent_number") or "").strip()
    day = data.get("over_60_consent_date")
    if number or day:
        if not number:
            problems["over_60_consent_number"] = "Trường hợp trên 60 tuổi cần số văn bản đồng ý."
        if not day:
            problems["over_60_consent_date"] = "Trường hợp trên 60 tuổi cần ngày văn bản đồng ý."
        if age_months(candidate.person.date_of_birth, on) <= reg.max_age_months:
            problems["over_60_consent_number"] = (
                "Người vào Đảng chưa quá 60 tuổi: không dùng văn bản đồng ý trên 60 tuổi."
            )
    return problems


def certificate_expires(reg: Regulation, certificate_date: datetime.date) -> datetime.date:
    """The first day the awareness certificate is no longer valid."""
    return add_months(certificate_date, reg.certificate_valid_months)


def check_certificate(reg: Regulation, candidate: Candidate, on: datetime.date) -> str | None:
    """Nguồn: ``reg.sources["certificate"]``."""
    if not candidate.certificate_date:
        return "Chưa có giấy chứng nhận học lớp bồi dưỡng nhận thức về Đảng."
    if on >= certificate_expires(reg, candidate.certificate_date):
        return (
            f"Giấy chứng nhận lớp nhận thức về Đảng cấp ngày {short_date(candidate.certificate_date)} "
            f"đã quá {reg.certificate_valid_months} tháng vào ngày chi bộ xét."
        )
    return None


def passes(reg: Regulation, votes_for: int, out_of: int) -> bool:
    """Nguồn: ``reg.sources["votes"]``."""
    return out_of > 0 and Fraction(votes_for, out_of) >= reg.pass_share


def check_cell_votes(reg: Regulation, candidate: Candidate, on: datetime.date) -> str | None:
    if not passes(reg, candidate.cell_votes_for or 0, candidate.cell_total or 0):
        return f"Chỉ {candidate.cell_votes_for}/{candidate.cell_total} đảng viên chính thức tán thành, chưa đạt 2/3."
    return None


def check_partial_votes(reg: Regulation, candidate: Candidate, on: datetime.date) -> str | None:
    if not passes(reg, candidate.partial_votes_for or 0, candidate.partial_members or 0):
        return f"Chỉ {candidate.partial_votes_for}/{candidate.partial_members} ủy viên đảng ủy bộ phận tán thành, chưa đạt 2/3."
    return None


def check_committee_votes(reg: Regulation, candidate: Candidate, on: datetime.date) -> str | None:
    if not passes(reg, candidate.committee_votes_for or 0, candidate.committee_members or 0):
        return f"Chỉ {candidate.committee_votes_for}/{candidate.committee_members} cấp ủy viên tán thành, chưa đạt 2/3."
    return None


def check_introduction(reg: Regulation, candidate: Candidate, on: datetime.date) -> str | None:
    """Nguồn: ``reg.sources["introduction"]``."""
    if not candidate.introduction:
        return "Chưa có người hoặc tổ chức giới thiệu."
    return None


def in_youth_age(date_of_birth: datetime.date, on: datetime.date, reg: Regulation | None = None) -> bool:
    return age_months(date_of_birth, on) < ((reg or regulation_on(on)).youth_max_age_years + 1) * 12


def check_youth_introduction(reg: Regulation, candidate: Candidate, on: datetime.date) -> "Failure | None":
    """Nguồn: ``reg.sources["youth_introduction"]``. A Youth Union member of youth age is introduced
    by the grassroots Youth Union committee (4-KNĐ) and one official member; where the agency or
    enterprise has no Youth Union, by the grassroots trade-union committee (4A-KNĐ) and one official
    member. The Youth Union route is for Youth Union members of youth age only. Others: two official
    members (3A-KNĐ), or the trade union where there is no Youth Union."""
    route = candidate.introduction
    youth = in_youth_age(candidate.person.date_of_birth, on, reg)
    member = bool(getattr(candidate.person, "youth_union", False))
    years = age_months(candidate.person.date_of_birth, on) // 12
    if route == Introduction.YOUTH_UNION and not (youth and member):
        why = "không phải đoàn viên" if not member else f"đã {years} tuổi, ngoài độ tuổi thanh niên"
        return Failure(
            "youth_introduction",
            f"Đoàn Thanh niên chỉ giới thiệu đoàn viên trong độ tuổi thanh niên; người vào Đảng {why}: "
            "hai đảng viên chính thức giới thiệu (3A-KNĐ).",
        )
    if route == Introduction.MEMBERS and youth and member:
        return Failure(
            "youth_introduction",
            f"Đoàn viên trong độ tuổi thanh niên ({years} tuổi) do Ban Chấp hành Đoàn cơ sở (4-KNĐ) và một "
            "đảng viên chính thức giới thiệu; nơi không có tổ chức Đoàn thì Ban Chấp hành Công đoàn cơ sở (4A-KNĐ) "
            "và một đảng viên chính thức.",
        )
    return None


# --- introducers: official, not exempt, of the same grassroots organisation, 12 months together ---


def same_grassroots_paths(grassroots: Organization, on: datetime.date) -> list[str]:
    """The subtrees that count as "the same grassroots organisation" as ``grassroots`` on ``on``.

    Today the grassroots organisation's own subtree. Seam for the reform issue: from 01/07/2025 a
    grassroots organisation may continue others of before (merged, moved); their subtrees will be
    added here, and every check of the introducers follows."""
    return [grassroots.path]


def _under(path: str, roots: list[str]) -> bool:
    return any(path.startswith(root) for root in roots)


def membership_on(membership: Membership, on: datetime.date) -> MembershipPeriod | None:
    """The member's period covering ``on`` (where and in what status), or None."""
    return next(
        (
            p
            for p in membership.periods.select_related("cell").filter(start__lte=on).order_by("-start")
            if p.end is None or p.end > on
        ),
        None,
    )


def exempted_on(membership: Membership, on: datetime.date) -> bool:
    last = (
        MembershipEvent.objects.filter(
            membership=membership, kind__in=("exempted", "exemption_ended"), effective_date__lte=on
        )
        .order_by("-effective_date", "-id")
        .values_list("kind", flat=True)
        .first()
    )
    return last == "exempted" if last is not None else False


def member_in_grassroots_since(membership: Membership, roots: list[str], on: datetime.date) -> datetime.date | None:
    """Since when the member has been, without a break, in units of the grassroots organisation
    (any active status), by their membership periods; None if not there on ``on``."""
    periods = [
        p
        for p in membership.periods.select_related("cell").filter(start__lte=on, status__in=ACTIVE_STATUSES)
        if _under(p.cell.path, roots)
    ]
    periods.sort(key=lambda p: p.start, reverse=True)
    since = None
    for p in periods:
        if since is None:
            if p.end is not None and p.end <= on:
                return None
            since = p.start
        elif p.end is not None and p.end >= since:
            since = min(since, p.start)
        else:
            break
    return since


def candidate_in_grassroots_since(candidate: Candidate, roots: list[str], on: datetime.date) -> datetime.date | None:
    """Since when the candidate has been in a cell of the grassroots organisation, by their
    events (listed in a cell, moved between cells); None if the system does not know."""
    if not getattr(candidate, "pk", None):
        return None
    since = None
    for day, path in (
        candidate.events.filter(kind__in=(EventKind.CREATED, EventKind.MOVED), effective_date__lte=on)
        .order_by("effective_date", "id")
        .values_list("effective_date", "cell__path")
    ):
        inside = _under(path, roots)
        if not inside:
            since = None
        elif since is None:
            since = day
    return since


@dataclass(frozen=True)
class Together:
    months_text: str
    enough: bool
    since: datetime.date | None
    by_statement: bool


def together(
    reg: Regulation,
    membership: Membership,
    candidate: Candidate,
    roots: list[str],
    on: datetime.date,
    stated_since: datetime.date | None,
) -> Together:
    """How long the introducer and the applicant have been together in the grassroots organisation
    by ``on``: computed from the records (the introducer's periods, the candidate's time in its
    cells), or, where they show less, from the secretary's dated statement."""
    mine, theirs = (
        member_in_grassroots_since(membership, roots, on),
        candidate_in_grassroots_since(candidate, roots, on),
    )
    by_records = max(mine, theirs) if mine and theirs else None

    def enough(since: datetime.date | None) -> bool:
        return since is not None and full_months_between(since, on) >= reg.introducer_together_months

    if by_records is not None and enough(by_records):
        return Together(months_and_days(by_records, on), True, by_records, False)
    if stated_since is not None:
        return Together(months_and_days(stated_since, on), enough(stated_since), stated_since, True)
    return Together(months_and_days(by_records, on) if by_records else "", False, by_records, False)


INTRODUCER_FIELDS = (
    ("introducer_1", "introducer_1_since", "thứ nhất"),
    ("introducer_2", "introducer_2_since", "thứ hai"),
)


def introducer_problems(
    reg: Regulation, candidate: Candidate, data: dict, grassroots: Organization | None, on: datetime.date
) -> tuple[dict[str, str], dict[str, str]]:
    """Bad input of the introducers of the dossier, each keyed by its field: (refused always,
    refused on a forward step but recorded on a back-fill — the 12 months together).

    Nguồn: ``reg.sources["introducer_together"]`` and ``reg.sources["youth_introduction"]``."""
    hard, together_short = {}, {}
    route = data.get("introduction")
    wanted = INTRODUCER_FIELDS if route == Introduction.MEMBERS else INTRODUCER_FIELDS[:1]
    if route in (Introduction.YOUTH_UNION, Introduction.TRADE_UNION):
        if data.get("introducer_2"):
            hard["introducer_2"] = (
                "Khi Đoàn hoặc Công đoàn giới thiệu thì chỉ một đảng viên chính thức cùng giới thiệu."
            )
        if data.get("introducer_2_since"):
            hard["introducer_2_since"] = "Chỉ có một đảng viên giới thiệu: không ghi ngày cho người thứ hai."
    if route == Introduction.TRADE_UNION and not data.get("no_youth_union"):
        hard["no_youth_union"] = (
            "Công đoàn chỉ giới thiệu ở cơ quan, doanh nghiệp không có tổ chức Đoàn: hãy xác nhận nơi này không có tổ chức Đoàn."
        )
    stated = [data.get(since) for _, since, _ in wanted if data.get(since)]
    if stated and not data.get("together_statement_date"):
        hard["together_statement_date"] = "Ngày bắt đầu cùng công tác do bí thư chi bộ xác nhận: cần ghi ngày xác nhận."
    statement = data.get("together_statement_date")
    roots = same_grassroots_paths(grassroots, on) if grassroots is not None else []
    for field_name, since_field, nth in wanted:
        member = data.get(field_name)
        if member is None:
            hard[field_name] = f"Cần chọn người giới thiệu {nth} (đảng viên chính thức)."
            continue
        period = membership_on(member, on)
        if period is None or period.status != Status.OFFICIAL:
            hard[field_name] = (
                f"Người giới thiệu {nth} phải là đảng viên chính thức vào ngày giới thiệu ({short_date(on)})."
            )
        elif not roots or not _under(period.cell.path, roots):
            hard[field_name] = f"Người giới thiệu {nth} phải là đảng viên chính thức của cùng tổ chức cơ sở đảng."
        elif exempted_on(member, on):
            hard[field_name] = f"Người giới thiệu {nth} đang được miễn công tác và sinh hoạt đảng: không giới thiệu."
        if field_name in hard:
            continue
        stated_since = data.get(since_field)
        if stated_since and statement and stated_since > statement:
            hard[since_field] = "Ngày bắt đầu cùng công tác không được sau ngày bí thư chi bộ xác nhận."
            continue
        found = together(reg, member, candidate, roots, on, stated_since)
        if not found.enough:
            how = f"mới {found.months_text}" if found.months_text else "chưa có dữ liệu"
            source = "theo xác nhận của bí thư chi bộ" if found.by_statement else "theo hồ sơ trong hệ thống"
            key = since_field if found.by_statement else field_name
            together_short[key] = (
                f"Người giới thiệu {nth} cùng công tác, học tập, cư trú với người vào Đảng trong tổ chức cơ sở đảng "
                f"{how} ({source}) đến ngày giới thiệu {short_date(on)}: cần đủ {reg.introducer_together_months} tháng. "
                "Nếu đã cùng công tác lâu hơn mà hệ thống chưa có, bí thư chi bộ ghi ngày bắt đầu và ngày xác nhận."
            )
    if data.get("introduction") == Introduction.MEMBERS:
        one, two = data.get("introducer_1"), data.get("introducer_2")
        if one is not None and two is not None and one.pk == two.pk:
            hard["introducer_2"] = "Hai người giới thiệu phải là hai đảng viên khác nhau."
    return hard, together_short


# --- the background verification ---------------------------------------------------------------

PARENT_RELATIONS = ("father", "mother", "guardian")


def verification_problems(reg: Regulation, subjects: dict | None) -> dict[str, str]:
    """Who the verification covered (Nguồn: ``reg.sources["verification"]``): always the applicant
    (verified), the parents or the person who raised them; parents-in-law, spouse and adult
    children where there are any. Relatives who are party members and fully declared are exempt."""
    subjects = subjects or {}
    known = dict(VERIFICATION_RELATION_LABELS)
    problems = []
    for relation, outcome in subjects.items():
        if relation not in known:
            problems.append(f"Không rõ người được thẩm tra: {relation}.")
        elif outcome not in VerificationOutcome.values:
            problems.append(f"{known[relation]}: kết quả không hợp lệ.")
    if subjects.get("applicant") != VerificationOutcome.VERIFIED:
        problems.append("Người vào Đảng luôn được thẩm tra lý lịch.")
    if not any(subjects.get(r) for r in PARENT_RELATIONS):
        problems.append("Cần thẩm tra cha, mẹ đẻ hoặc người trực tiếp nuôi dưỡng.")
    return {"verification_subjects": " ".join(problems)} if problems else {}


def check_deciding_body(reg: Regulation, candidate: Candidate, on: datetime.date) -> str | None:
    body = candidate.decided_by
    if body is None:
        return "Chưa chọn cấp ủy quyết định."
    if not candidate.cell.path.startswith(body.path) or body.pk == candidate.cell.pk:
        return f"{body.name} không phải cấp ủy cấp trên của chi bộ."
    if not body.can_decide_admission:
        return f"{body.name} không có thẩm quyền quyết định kết nạp."
    if body.kind not in reg.deciding_kinds:
        return f"Theo {reg.title}, {body.get_kind_display().lower()} không có thẩm quyền quyết định kết nạp."
    return None


def check_local_criteria(reg: Regulation, candidate: Candidate, on: datetime.date, stage: str) -> list[str]:
    """Criteria a committee above the cell added for this step that are not met by ``on``."""
    criteria = list(
        LocalCriterion.objects.filter(
            organization__path__in=candidate.cell.ancestor_paths, active=True, required_before=stage
        )
    )
    if not criteria:
        return []
    met = (
        set(CriterionCheck.objects.filter(candidate=candidate, met_on__lte=on).values_list("criterion_id", flat=True))
        if candidate.pk
        else set()
    )
    return [f"Chưa đạt tiêu chí riêng: {c.label}." for c in criteria if c.pk not in met]


# (code, label, function) checked when a step to the stage is recorded, on its effective date.
# (code, label, check): a check returns a message, a Failure (a rule with several codes) or None.
RULES_BY_STAGE: dict[str, list[tuple[str, str, Callable[[Regulation, Candidate, datetime.date], Any]]]] = {
    Stage.DOSSIER: [
        ("introduction", "Giới thiệu", check_introduction),
        ("youth_introduction", "Giới thiệu trong độ tuổi thanh niên", check_youth_introduction),
    ],
    Stage.CELL_VOTE: [
        ("age", "Tuổi đời", check_age),
        ("education", "Trình độ học vấn", check_education),
        ("certificate", "Giấy chứng nhận lớp nhận thức", check_certificate),
        ("cell_votes", "Biểu quyết của chi bộ", check_cell_votes),
    ],
    Stage.PARTIAL_APPRAISAL: [("partial_votes", "Biểu quyết của đảng ủy bộ phận", check_partial_votes)],
    Stage.COMMITTEE_VOTE: [("committee_votes", "Biểu quyết của đảng ủy cơ sở", check_committee_votes)],
    Stage.DECISION: [("deciding_body", "Thẩm quyền quyết định", check_deciding_body)],
}


@dataclass(frozen=True)
class Failure:
    code: str
    message: str


# Rules met only by a named route (the written exceptions, the introduction routes): no
# free-text override. Back-fills still record them as found.
ROUTE_ONLY = frozenset({"over_60", "education", "youth_introduction", "introducer_together"})

# The rule of each vote: a vote that fails it may be recorded as such (services.candidate_record_failed_vote).
VOTE_RULES: dict[str, str] = {
    Stage.CELL_VOTE: "cell_votes",
    Stage.PARTIAL_APPRAISAL: "partial_votes",
    Stage.COMMITTEE_VOTE: "committee_votes",
}


def failures_for(stage: str, candidate: Candidate, on: datetime.date) -> tuple[Regulation, list[Failure]]:
    """Check every rule of the step to ``stage`` under the regulation in force on ``on``."""
    reg = regulation_on(on)
    found = []
    for code, _label, rule in RULES_BY_STAGE.get(stage, []):
        message = rule(reg, candidate, on)
        if isinstance(message, Failure):  # a rule with more than one code (e.g. age: under 18, over 60)
            found.append(message)
        elif message:
            found.append(Failure(code, message))
    for message in check_local_criteria(reg, candidate, on, stage):
        found.append(Failure("local_criterion", message))
    return reg, found


# --- deadlines -----------------------------------------------------------------------------------


def probation_ends(ceremony_date: datetime.date) -> datetime.date:
    """The end of the 12 months of probation: the member is official from this date."""
    return add_months(ceremony_date, regulation_on(ceremony_date).probation_months)


def decision_due(cell_vote_date: datetime.date, extended: bool = False) -> datetime.date:
    reg = regulation_on(cell_vote_date)
    days = reg.decision_working_days + (reg.decision_extension_working_days if extended else 0)
    return add_working_days(cell_vote_date, days)


def ceremony_due(decision_received: datetime.date) -> datetime.date:
    return add_working_days(decision_received, regulation_on(decision_received).ceremony_working_days)


def proposal_due(ceremony_date: datetime.date) -> datetime.date:
    end = probation_ends(ceremony_date)
    return add_working_days(end, regulation_on(end).proposal_working_days)


def recognition_due(proposal_date: datetime.date, extended: bool = False) -> datetime.date:
    reg = regulation_on(proposal_date)
    return add_working_days(
        proposal_date, reg.recognition_working_days + (reg.recognition_extension_working_days if extended else 0)
    )


def next_deadline(candidate: Candidate) -> tuple[datetime.date | None, str]:
    """The deadline the candidate's current stage runs against, and its kind."""
    stage = candidate.stage
    if stage in (Stage.COURSE, Stage.DOSSIER, Stage.VERIFICATION) and candidate.certificate_date:
        expires = certificate_expires(regulation_on(candidate.certificate_date), candidate.certificate_date)
        return expires - datetime.timedelta(days=1), DueKind.CERTIFICATE_EXPIRY  # the last valid day
    if stage in (Stage.CELL_VOTE, Stage.PARTIAL_APPRAISAL, Stage.COMMITTEE_VOTE) and candidate.cell_vote_date:
        return decision_due(candidate.cell_vote_date, candidate.decision_extended), DueKind.DECISION
    if stage == Stage.DECISION:
        received = candidate.decision_received_date or candidate.decision_date
        assert received is not None  # the decision step records its date
        return ceremony_due(received), DueKind.CEREMONY
    if stage == Stage.PROBATIONARY and candidate.ceremony_date:
        return proposal_due(candidate.ceremony_date), DueKind.PROPOSAL
    if stage == Stage.RECOGNITION_PROPOSED and candidate.recognition_proposal_date:
        return recognition_due(candidate.recognition_proposal_date), DueKind.RECOGNITION
    return None, ""


def certificate_expiring(candidate: Any, today: datetime.date) -> bool:
    """Flag: the certificate expires within 90 days and the cell has not voted yet. ``candidate``: a
    Candidate or a board's card (``certificate_date``, ``cell_vote_date``)."""
    if not candidate.certificate_date or candidate.cell_vote_date:
        return False
    reg = regulation_on(candidate.certificate_date)
    expires = certificate_expires(reg, candidate.certificate_date)
    return expires - datetime.timedelta(days=reg.certificate_warning_days) <= today


# --- the order of the history, and the add form's warnings -----------------------------------


def step_date_problem(
    day: datetime.date, label: str, previous_day: datetime.date | None, previous_what: str
) -> str | None:
    """A step is dated on or after the candidate's previous recorded event, a vote that did not
    reach 2/3 included: the history reads in the order things happened. ``label`` names the
    field, ``previous_what`` the event it would precede."""
    if previous_day is None or day >= previous_day:
        return None
    return (
        f"{label[:1].upper()}{label[1:]} ({short_date(day)}) trước {previous_what} ({short_date(previous_day)}): "
        "các bước phải theo đúng thứ tự thời gian."
    )


def earliest_cell_vote(source_date: datetime.date) -> datetime.date:
    """The earliest day the cell could vote on a person put on the source list on ``source_date``:
    the regulations set no minimum time between the list and the vote, so that very day."""
    return source_date


def age_warning(date_of_birth: datetime.date, source_date: datetime.date) -> str | None:
    """A warning (not a refusal) for the add form: outside 18–60 by the earliest possible vote of
    the cell. Under 18 may still reach the age before the vote; over 60 needs its named route."""
    vote = earliest_cell_vote(source_date)
    reg = regulation_on(vote)
    months = age_months(date_of_birth, vote)
    if months < reg.min_age_months:
        eighteen = add_months(date_of_birth, reg.min_age_months)
        return (
            f"Lưu ý: người này chưa đủ 18 tuổi ({months // 12} tuổi {months % 12} tháng); chi bộ chỉ xét kết nạp "
            f"từ ngày {short_date(eighteen)}, khi đã đủ 18 tuổi."
        )
    if months > reg.max_age_months:
        return (
            f"Lưu ý: người này đã {months // 12} tuổi {months % 12} tháng, quá 60 tuổi: chỉ kết nạp khi "
            "Ban Thường vụ Tỉnh ủy đồng ý bằng văn bản (trường hợp trên 60 tuổi)."
        )
    return None


# --- the input of each step: one small check per stage ----------------------------------------
# Each returns {field: message} for the first problem found (empty: the input is sound); the
# service raises it as a ValidationError. Checks every step shares (required fields, dates) and
# those that read the regulation (introducers, verification, exception routes) stay in the service.

Problems = dict[str, str]


def helper_problems(candidate: Candidate, data: dict, grassroots: Organization | None) -> Problems:
    if not is_official_member_of(data.get("helper"), grassroots):
        return {"helper": "Đảng viên giúp đỡ phải là đảng viên chính thức của cùng tổ chức cơ sở đảng."}
    return {}


def cell_vote_problems(candidate: Candidate, data: dict, grassroots: Organization | None) -> Problems:
    total, present, votes = data["cell_total"], data["cell_present"], data["cell_votes_for"]
    if total < 1:
        return {"cell_total": "Tổng số đảng viên chính thức phải lớn hơn 0."}
    if present > total:
        return {"cell_present": f"Số có mặt ({present}) nhiều hơn tổng số đảng viên chính thức ({total})."}
    if votes > present:
        return {"cell_votes_for": f"Số tán thành ({votes}) nhiều hơn số đảng viên có mặt ({present})."}
    return {}


def _committee_vote_problems(data: dict, members: str, votes: str) -> Problems:
    if data[members] < 1:
        return {members: "Số cấp ủy viên phải lớn hơn 0."}
    if data[votes] > data[members]:
        return {votes: f"Số tán thành ({data[votes]}) nhiều hơn số cấp ủy viên ({data[members]})."}
    return {}


def partial_vote_problems(candidate: Candidate, data: dict, grassroots: Organization | None) -> Problems:
    return _committee_vote_problems(data, "partial_members", "partial_votes_for")


def committee_vote_problems(candidate: Candidate, data: dict, grassroots: Organization | None) -> Problems:
    return _committee_vote_problems(data, "committee_members", "committee_votes_for")


def decision_problems(candidate: Candidate, data: dict, grassroots: Organization | None) -> Problems:
    received = data.get("decision_received_date")
    if received and received < data["decision_date"]:
        return {"decision_received_date": "Ngày chi bộ nhận quyết định không được trước ngày quyết định."}
    return {}


# --- the admission decision's number once its paper is issued ---------------------------------
# The deciding body's register (``documents``, a floor above) gives the issued 9-KNĐ its number,
# and that number is the decision's (README, "Documents": one number for the admission decision).
# This floor never imports the register: ``settings.ISSUED_DECISION_NUMBER`` names the function
# of the floor above that answers (as ``RESTRUCTURE_CARRIERS`` names the tree's carriers). Without
# it (no documents app) no decision has an issued number.


def issued_decision_number(candidate: Candidate) -> str:
    """The number the register gave the candidate's admission decision in force ("" if none)."""
    source = getattr(settings, "ISSUED_DECISION_NUMBER", "")
    return import_string(source)(candidate) if source else ""


def issued_decision_problems(candidate: Candidate, data: dict) -> Problems:
    """The decision step entered again (after a return) once its paper has been issued: the
    number is the register's, never another typed beside it. Changing it is a correction of the
    paper (a new number from the register, naming the one it replaces), not an edit of the step."""
    issued = issued_decision_number(candidate) if candidate.pk else ""
    typed = (data.get("decision_number") or "").strip()
    if not issued or typed == issued:
        return {}
    written = f" (đã ghi «{typed}»)" if typed else ""
    return {
        "decision_number": (
            f"Quyết định kết nạp {candidate.person.full_name} đã được ban hành với số {issued} của sổ đăng ký "
            f"văn bản: số quyết định kết nạp phải ghi là {issued}{written}. Muốn đổi số, hãy đính chính "
            "quyết định (9-KNĐ) ở mục «Văn bản»: bản đính chính nhận số mới của sổ."
        )
    }


def ceremony_problems(candidate: Candidate, data: dict, grassroots: Organization | None) -> Problems:
    received = candidate.decision_received_date or candidate.decision_date
    if data["ceremony_date"] < received:
        return {
            "ceremony_date": (
                f"Ngày lễ kết nạp ({short_date(data['ceremony_date'])}) trước ngày quyết định kết nạp "
                f"({short_date(candidate.decision_date)}) hoặc ngày chi bộ nhận quyết định."
            )
        }
    return {}


def recognition_proposal_problems(candidate: Candidate, data: dict, grassroots: Organization | None) -> Problems:
    assert candidate.ceremony_date is not None  # recorded at the probationary step
    ends = probation_ends(candidate.ceremony_date)
    if data["recognition_proposal_date"] < ends:
        return {
            "recognition_proposal_date": (
                f"Chưa hết 12 tháng dự bị (hết ngày {short_date(ends)}): chưa thể đề nghị công nhận chính thức."
            )
        }
    return {}


STEP_INPUT_CHECKS: dict[str, Callable[[Candidate, dict, Organization | None], Problems]] = {
    Stage.CULTIVATION: helper_problems,
    Stage.CELL_VOTE: cell_vote_problems,
    Stage.PARTIAL_APPRAISAL: partial_vote_problems,
    Stage.COMMITTEE_VOTE: committee_vote_problems,
    Stage.DECISION: decision_problems,
    Stage.PROBATIONARY: ceremony_problems,
    Stage.RECOGNITION_PROPOSED: recognition_proposal_problems,
}
