"""Every admission rule and deadline, keyed by the regulation in force on the event date.

The rules are data (``Regulation``) plus small pure functions. A rule returns ``None`` when it
holds and a Vietnamese message when it fails; the services block a step on a failure unless a
user with an override role gives a written reason. Nothing else in the project decides
eligibility or deadlines: views and selectors call into here.

Sources (secondary, see DOMAIN.md §2): Regulation 24-QĐ/TW (2021) and Guidance 12-HD/BTCTW
(2022) until 30/06/2025; Regulation 294-QĐ/TW and Guidance 06-HD/TW from 01/07/2025.
"""

import datetime
from dataclasses import dataclass, field
from fractions import Fraction

from members.models import GeneralEducation, Membership, Status
from organizations.models import GRASSROOTS_KINDS, Kind, Organization, Role
from partydev.workdays import add_months, add_working_days, full_months_between

from .models import DueKind, Introduction, Stage


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
    # Kinds of organisation that may decide an admission (besides holding the
    # ``can_decide_admission`` flag and sitting above the cell).
    deciding_kinds: frozenset = field(default_factory=frozenset)


UPPER_LEVEL = {Kind.DISTRICT, Kind.CITY, Kind.BLOC, Kind.MILITARY, Kind.POLICE}

REGULATIONS = (
    Regulation(
        key="2021",
        title="Quy định 24-QĐ/TW (2021), Hướng dẫn 12-HD/BTCTW",
        in_force_from=datetime.date(2021, 7, 30),
        # The standing committee directly above the grassroots, or an authorised grassroots committee.
        deciding_kinds=frozenset(UPPER_LEVEL | {Kind.GRASSROOTS_COMMITTEE}),
    ),
    Regulation(
        key="2025",
        title="Quy định 294-QĐ/TW (2025), Hướng dẫn 06-HD/TW",
        in_force_from=datetime.date(2025, 7, 1),
        # Commune and ward committees and the province decide from 1/7/2025. District-level
        # committees stay accepted for trees not yet restructured (their flag says whether
        # they still may): a configurable transition, not law.
        deciding_kinds=frozenset(UPPER_LEVEL | {Kind.GRASSROOTS_COMMITTEE, Kind.COMMUNE, Kind.PROVINCE}),
    ),
)


def regulation_on(day: datetime.date) -> Regulation:
    """The regulation in force on ``day`` (the 2021 texts also cover earlier dates)."""
    current = REGULATIONS[0]
    for regulation in REGULATIONS:
        if day >= regulation.in_force_from:
            current = regulation
    return current


def regulation_by_key(key: str) -> Regulation:
    return next((r for r in REGULATIONS if r.key == key), REGULATIONS[-1])


# --- who acts --------------------------------------------------------------------------------

CELL_ROLES = frozenset(
    {
        Role.Kind.CELL_SECRETARY,
        Role.Kind.GRASSROOTS_STAFF,
        Role.Kind.DISTRICT_STAFF,
        Role.Kind.PROVINCE_OFFICE,
        Role.Kind.ADMIN,
    }
)
COMMITTEE_ROLES = frozenset(
    {Role.Kind.GRASSROOTS_STAFF, Role.Kind.DISTRICT_STAFF, Role.Kind.PROVINCE_OFFICE, Role.Kind.ADMIN}
)
DECIDING_ROLES = frozenset({Role.Kind.DISTRICT_STAFF, Role.Kind.PROVINCE_OFFICE, Role.Kind.ADMIN})
# Who may override a failed rule with a written reason.
OVERRIDE_ROLES = frozenset({Role.Kind.DISTRICT_STAFF, Role.Kind.PROVINCE_OFFICE, Role.Kind.ADMIN})

STEP_ROLES = {
    Stage.SOURCE: CELL_ROLES,
    Stage.CULTIVATION: CELL_ROLES,
    Stage.COURSE: CELL_ROLES,
    Stage.DOSSIER: CELL_ROLES,
    Stage.VERIFICATION: COMMITTEE_ROLES,
    Stage.CELL_VOTE: CELL_ROLES,
    Stage.PARTIAL_APPRAISAL: COMMITTEE_ROLES,
    Stage.COMMITTEE_VOTE: COMMITTEE_ROLES,
    Stage.DECISION: DECIDING_ROLES,
    Stage.PROBATIONARY: CELL_ROLES,
    Stage.RECOGNITION_PROPOSED: CELL_ROLES,
    Stage.OFFICIAL: DECIDING_ROLES,
    Stage.STRUCK_OFF: DECIDING_ROLES,
}
ROLE_NAMES = {
    CELL_ROLES: "chi bộ (bí thư chi bộ) hoặc cấp ủy cấp trên",
    COMMITTEE_ROLES: "cán bộ đảng ủy cơ sở hoặc cấp trên",
    DECIDING_ROLES: "cấp ủy có thẩm quyền quyết định (cấp ủy cấp trên trực tiếp cơ sở) hoặc cấp trên",
}


def step_roles(stage: str, decided_by: Organization | None = None) -> frozenset:
    roles = STEP_ROLES[stage]
    if stage == Stage.DECISION and decided_by is not None and decided_by.kind in GRASSROOTS_KINDS:
        roles = roles | {Role.Kind.GRASSROOTS_STAFF}  # an authorised grassroots committee
    return roles


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


def check_age(reg: Regulation, candidate, on: datetime.date) -> str | None:
    months = age_months(candidate.person.date_of_birth, on)
    if months < reg.min_age_months:
        return f"Chưa đủ 18 tuổi vào ngày chi bộ xét ({months // 12} tuổi {months % 12} tháng)."
    if months > reg.max_age_months:
        return (
            f"Quá 60 tuổi vào ngày chi bộ xét ({months // 12} tuổi {months % 12} tháng): "
            "cần văn bản đồng ý của Ban Thường vụ Tỉnh ủy."
        )
    return None


def check_education(reg: Regulation, candidate, on: datetime.date) -> str | None:
    education = candidate.person.general_education
    accepted = reg.accepted_education_disadvantaged if candidate.cell.disadvantaged_area else reg.accepted_education
    if education in accepted:
        return None
    if candidate.cell.disadvantaged_area:
        return "Chưa hoàn thành chương trình tiểu học."
    return "Chưa tốt nghiệp trung học cơ sở (chi bộ không thuộc vùng khó khăn nên không áp dụng trình độ tiểu học)."


def certificate_expires(reg: Regulation, certificate_date: datetime.date) -> datetime.date:
    """The first day the awareness certificate is no longer valid."""
    return add_months(certificate_date, reg.certificate_valid_months)


def check_certificate(reg: Regulation, candidate, on: datetime.date) -> str | None:
    if not candidate.certificate_date:
        return "Chưa có giấy chứng nhận học lớp bồi dưỡng nhận thức về Đảng."
    if on >= certificate_expires(reg, candidate.certificate_date):
        return (
            f"Giấy chứng nhận lớp nhận thức về Đảng cấp ngày {candidate.certificate_date:%d/%m/%Y} "
            f"đã quá {reg.certificate_valid_months} tháng vào ngày chi bộ xét."
        )
    return None


def passes(reg: Regulation, votes_for: int, out_of: int) -> bool:
    return out_of > 0 and Fraction(votes_for, out_of) >= reg.pass_share


def check_cell_votes(reg: Regulation, candidate, on: datetime.date) -> str | None:
    if not passes(reg, candidate.cell_votes_for or 0, candidate.cell_total or 0):
        return f"Chỉ {candidate.cell_votes_for}/{candidate.cell_total} đảng viên chính thức tán thành, chưa đạt 2/3."
    return None


def check_partial_votes(reg: Regulation, candidate, on: datetime.date) -> str | None:
    if not passes(reg, candidate.partial_votes_for or 0, candidate.partial_members or 0):
        return f"Chỉ {candidate.partial_votes_for}/{candidate.partial_members} ủy viên đảng ủy bộ phận tán thành, chưa đạt 2/3."
    return None


def check_committee_votes(reg: Regulation, candidate, on: datetime.date) -> str | None:
    if not passes(reg, candidate.committee_votes_for or 0, candidate.committee_members or 0):
        return f"Chỉ {candidate.committee_votes_for}/{candidate.committee_members} cấp ủy viên tán thành, chưa đạt 2/3."
    return None


def check_introduction(reg: Regulation, candidate, on: datetime.date) -> str | None:
    if not candidate.introduction:
        return "Chưa có người hoặc tổ chức giới thiệu."
    return None


def in_youth_age(date_of_birth: datetime.date, on: datetime.date, reg: Regulation | None = None) -> bool:
    return age_months(date_of_birth, on) < ((reg or regulation_on(on)).youth_max_age_years + 1) * 12


def check_youth_introduction(reg: Regulation, candidate, on: datetime.date) -> str | None:
    """In youth age the Youth Union introduces (4-KNĐ), where a Youth Union exists: the system
    does not know whether the unit has one, so the user overrides with that reason if not."""
    if candidate.introduction in ("", Introduction.YOUTH_UNION) or not in_youth_age(
        candidate.person.date_of_birth, on, reg
    ):
        return None
    years = age_months(candidate.person.date_of_birth, on) // 12
    return (
        f"Người vào Đảng trong độ tuổi thanh niên ({years} tuổi) do Ban Chấp hành Đoàn cơ sở giới thiệu "
        "(4-KNĐ). Chỉ nơi không có tổ chức Đoàn mới do hai đảng viên chính thức hoặc Công đoàn giới thiệu: "
        "khi đó ghi rõ lý do để bỏ qua."
    )


def check_deciding_body(reg: Regulation, candidate, on: datetime.date) -> str | None:
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


def check_local_criteria(reg: Regulation, candidate, on: datetime.date, stage: str) -> list[str]:
    """Criteria a committee above the cell added for this step that are not met by ``on``."""
    from .models import CriterionCheck, LocalCriterion

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
RULES_BY_STAGE = {
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


# The rule of each vote: a vote that fails it may be recorded as such (services.candidate_record_failed_vote).
VOTE_RULES = {
    Stage.CELL_VOTE: "cell_votes",
    Stage.PARTIAL_APPRAISAL: "partial_votes",
    Stage.COMMITTEE_VOTE: "committee_votes",
}


def failures_for(stage: str, candidate, on: datetime.date) -> tuple[Regulation, list[Failure]]:
    """Check every rule of the step to ``stage`` under the regulation in force on ``on``."""
    reg = regulation_on(on)
    found = []
    for code, _label, rule in RULES_BY_STAGE.get(stage, []):
        message = rule(reg, candidate, on)
        if message:
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


def next_deadline(candidate) -> tuple[datetime.date | None, str]:
    """The deadline the candidate's current stage runs against, and its kind."""
    stage = candidate.stage
    if stage in (Stage.COURSE, Stage.DOSSIER, Stage.VERIFICATION) and candidate.certificate_date:
        expires = certificate_expires(regulation_on(candidate.certificate_date), candidate.certificate_date)
        return expires - datetime.timedelta(days=1), DueKind.CERTIFICATE_EXPIRY  # the last valid day
    if stage in (Stage.CELL_VOTE, Stage.PARTIAL_APPRAISAL, Stage.COMMITTEE_VOTE) and candidate.cell_vote_date:
        return decision_due(candidate.cell_vote_date, candidate.decision_extended), DueKind.DECISION
    if stage == Stage.DECISION:
        received = candidate.decision_received_date or candidate.decision_date
        return ceremony_due(received), DueKind.CEREMONY
    if stage == Stage.PROBATIONARY and candidate.ceremony_date:
        return proposal_due(candidate.ceremony_date), DueKind.PROPOSAL
    if stage == Stage.RECOGNITION_PROPOSED and candidate.recognition_proposal_date:
        return recognition_due(candidate.recognition_proposal_date), DueKind.RECOGNITION
    return None, ""


def certificate_expiring(candidate, today: datetime.date) -> bool:
    """Flag: the certificate expires within 90 days and the cell has not voted yet."""
    if not candidate.certificate_date or candidate.cell_vote_date:
        return False
    reg = regulation_on(candidate.certificate_date)
    expires = certificate_expires(reg, candidate.certificate_date)
    return expires - datetime.timedelta(days=reg.certificate_warning_days) <= today
