"""The kinds of paper partydev writes, what each needs from the records, and its context.

Each kind names its form (6-KNĐ …), the step it closes (a paper for a step that has not
happened is refused), the issuing body, the date the paper bears, the symbol after its number,
the signer's title, and the facts without which it cannot be written. ``facts`` builds the
placeholders a template may use; ``PLACEHOLDERS`` lists them, with what each one means, for the
template page and the upload check.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from candidates import rules
from candidates.models import PIPELINE, Candidate, Stage
from candidates.services import label
from organizations.models import CELL_KINDS, Kind, Organization
from organizations.privacy import HIDDEN, can_see_sensitive

# The guidance whose forms the templates follow, by the date it took effect (README, "Documents").
GUIDANCES = (
    (datetime.date(2022, 6, 28), "12-HD/BTCTW"),  # Hướng dẫn 12-HD/BTCTW ngày 28/6/2022, Phụ lục 1
    (datetime.date(2025, 9, 29), "38-HD/BTCTW"),  # Hướng dẫn 38-HD/BTCTW ngày 29/9/2025, thay thế 12-HD
)


def guidance_on(day: datetime.date) -> str:
    current = GUIDANCES[0][1]
    for start, key in GUIDANCES:
        if day >= start:
            current = key
    return current


def date_words(day: datetime.date) -> str:
    """The date as a party paper writes it: "ngày 05 tháng 02 năm 2026", "ngày 15 tháng 11 năm 2026"."""
    return f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def d(day: datetime.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


# The short name in the symbol after a number (12-NQ/CB, 45-QĐ/HU), by the issuer's kind.
ISSUER_ABBREVIATIONS: dict[str, str] = {  # keyed by Kind, looked up by an organisation's kind (a str)
    Kind.CELL: "CB",
    Kind.GRASSROOTS_CELL: "CB",
    Kind.PARTIAL_COMMITTEE: "ĐUBP",
    Kind.GRASSROOTS_COMMITTEE: "ĐU",
    Kind.COMMUNE: "ĐU",
    Kind.BLOC: "ĐU",
    Kind.MILITARY: "ĐU",
    Kind.POLICE: "ĐU",
    Kind.DISTRICT: "HU",
    Kind.CITY: "TU",
    Kind.PROVINCE: "TU",
}
# On whose behalf the paper is signed ("T/M chi bộ", then the signer's position below it).
SIGNERS = {
    "cell": "T/M CHI BỘ",
    "partial": "T/M ĐẢNG ỦY BỘ PHẬN",
    "committee": "T/M ĐẢNG ỦY",
    "standing": "T/M BAN THƯỜNG VỤ",
}
POSITIONS = ("BÍ THƯ", "PHÓ BÍ THƯ")
PLACE_PREFIXES = ("đảng bộ ", "chi bộ ", "xã ", "phường ", "thị trấn ", "huyện ", "thành phố ", "thị xã ", "tỉnh ")


@dataclass(frozen=True)
class DocKind:
    key: str
    form: str
    title: str
    stage: str  # the step the paper belongs to: it exists once the candidate has passed it
    issuer: str  # "cell", "partial", "grassroots", "decider"
    date_field: str | None  # the candidate's field the paper is dated by; None: asked at issue
    doc_type: str  # NQ (nghị quyết), QĐ (quyết định), or "" (a list: not numbered)
    signer: str
    required: tuple[str, ...] = ()  # candidate fields that must be recorded
    extra_placeholders: tuple[str, ...] = field(default=())

    @property
    def numbered(self) -> bool:
        return bool(self.doc_type)


CANDIDATE_KINDS = {
    k.key: k
    for k in (
        DocKind(
            "6-knd",
            "6-KNĐ",
            "Nghị quyết đề nghị kết nạp đảng viên",
            Stage.CELL_VOTE,
            "cell",
            "cell_vote_date",
            "NQ",
            "cell",
            ("cell_vote_date", "cell_total", "cell_present", "cell_votes_for"),
            (
                "cell_total",
                "cell_present",
                "cell_votes_for",
                "cell_votes_percent",
                "introducers",
                "helper",
                "cell_vote_date_words",
            ),
        ),
        DocKind(
            "7-knd",
            "7-KNĐ",
            "Nghị quyết thẩm định đề nghị kết nạp đảng viên",
            Stage.PARTIAL_APPRAISAL,
            "partial",
            "partial_date",
            "NQ",
            "partial",
            ("partial_date", "partial_members", "partial_votes_for"),
            ("partial_members", "partial_votes_for", "cell_vote_date_words"),
        ),
        DocKind(
            "8-knd",
            "8-KNĐ",
            "Nghị quyết đề nghị kết nạp đảng viên",
            Stage.COMMITTEE_VOTE,
            "grassroots",
            "committee_date",
            "NQ",
            "committee",
            ("committee_date", "committee_members", "committee_votes_for"),
            ("committee_members", "committee_votes_for", "cell_vote_date_words"),
        ),
        DocKind(
            "9-knd",
            "9-KNĐ",
            "Quyết định kết nạp đảng viên",
            Stage.DECISION,
            "decider",
            "decision_date",
            "QĐ",
            "standing",
            ("decision_date", "decided_by"),
            ("grassroots_name", "committee_date_words"),
        ),
        DocKind(
            "13-knd",
            "13-KNĐ",
            "Nghị quyết đề nghị công nhận đảng viên chính thức",
            Stage.RECOGNITION_PROPOSED,
            "cell",
            "recognition_proposal_date",
            "NQ",
            "cell",
            ("recognition_proposal_date", "ceremony_date"),
            ("ceremony_date_words", "probation_end_words"),
        ),
        DocKind(
            "15-knd",
            "15-KNĐ",
            "Nghị quyết đề nghị công nhận đảng viên chính thức",
            Stage.RECOGNITION_PROPOSED,
            "grassroots",
            None,
            "NQ",
            "committee",
            ("recognition_proposal_date", "ceremony_date"),
            ("ceremony_date_words", "probation_end_words", "proposal_date_words"),
        ),
        DocKind(
            "official-decision",
            "QĐ-CNCT",
            "Quyết định công nhận đảng viên chính thức",
            Stage.OFFICIAL,
            "decider",
            "recognition_decision_date",
            "QĐ",
            "standing",
            ("recognition_decision_date", "official_from", "decided_by"),
            ("official_from_words", "ceremony_date_words", "grassroots_name", "admission_decision_number"),
        ),
        DocKind(
            "dossier-list",
            "DM-HS",
            "Danh mục hồ sơ đề nghị kết nạp đảng viên",
            Stage.DOSSIER,
            "cell",
            "form5_date",
            "",
            "cell",
            ("form1_date", "form2_date", "form3_date", "form5_date"),
            ("items",),
        ),
    )
}
CULTIVATION_LIST = DocKind(
    "cultivation-list",
    "DS-BD",
    "Danh sách đối tượng bồi dưỡng kết nạp đảng viên",
    Stage.CULTIVATION,
    "cell",
    None,
    "",
    "cell",
    (),
    ("rows",),
)
ALL_KINDS = {**CANDIDATE_KINDS, CULTIVATION_LIST.key: CULTIVATION_LIST}

# Every placeholder, with its meaning (shown on the template page).
COMMON_PLACEHOLDERS = {
    "superior_name": "tên cấp ủy cấp trên (dòng đầu, góc trái)",
    "issuer_name": "tên nơi ban hành tại ngày của văn bản",
    "number_symbol": "số và ký hiệu (ví dụ 12-NQ/CB)",
    "place": "địa danh",
    "date_words": "ngày … tháng … năm … của văn bản",
    "title": "tên loại và trích yếu",
    "signer_title": "thay mặt (T/M chi bộ, T/M ban thường vụ …)",
    "signer_position": "chức vụ người ký (Bí thư, Phó Bí thư)",
    "signer_name": "họ tên người ký",
    "guidance": "hướng dẫn có mẫu áp dụng",
    "cell_name": "tên chi bộ",
    "replaces": "văn bản được thay thế (khi đính chính)",
}
PERSON_PLACEHOLDERS = {
    "full_name": "họ và tên",
    "sex": "giới tính",
    "date_of_birth": "ngày sinh (dd/mm/yyyy)",
    "place_of_origin": "quê quán",
    "ethnicity": "dân tộc (chỉ người được xem trường nhạy cảm)",
    "religion": "tôn giáo (chỉ người được xem trường nhạy cảm)",
}
EXTRA_PLACEHOLDERS = {
    "cell_total": "tổng số đảng viên chính thức của chi bộ",
    "cell_present": "số đảng viên chính thức có mặt",
    "cell_votes_for": "số tán thành ở chi bộ",
    "cell_votes_percent": "tỷ lệ tán thành so với tổng số đảng viên chính thức",
    "introducers": "người giới thiệu",
    "helper": "đảng viên giúp đỡ",
    "partial_members": "số ủy viên đảng ủy bộ phận",
    "partial_votes_for": "số tán thành ở đảng ủy bộ phận",
    "committee_members": "số cấp ủy viên",
    "committee_votes_for": "số tán thành ở đảng ủy",
    "cell_vote_date_words": "ngày chi bộ xét",
    "committee_date_words": "ngày đảng ủy xét",
    "grassroots_name": "tên đảng bộ cơ sở",
    "ceremony_date_words": "ngày lễ kết nạp",
    "probation_end_words": "ngày hết 12 tháng dự bị",
    "proposal_date_words": "ngày chi bộ đề nghị công nhận",
    "official_from_words": "ngày chính thức",
    "admission_decision_number": "số quyết định kết nạp (số của sổ đăng ký khi 9-KNĐ ban hành ở đây)",
    "items": "các thành phần hồ sơ (item.no, item.name, item.form, item.date)",
    "rows": "các đối tượng (row.no, row.full_name, row.date_of_birth, row.helper, row.since)",
}


def placeholders_of(kind: DocKind) -> dict[str, str]:
    known = dict(COMMON_PLACEHOLDERS)
    if kind.key != CULTIVATION_LIST.key:
        known.update(PERSON_PLACEHOLDERS)
    known.update({p: EXTRA_PLACEHOLDERS[p] for p in kind.extra_placeholders})
    return known


# What a template must hold: without these the paper is not the paper.
REQUIRED_PLACEHOLDERS = ("issuer_name", "date_words", "signer_name")


def required_placeholders(kind: DocKind) -> tuple[str, ...]:
    person = ("full_name",) if kind.key != CULTIVATION_LIST.key else ("rows",)
    number = ("number_symbol",) if kind.numbered else ()
    return REQUIRED_PLACEHOLDERS + person + number


# --- the issuer and its name on a date ----------------------------------------------------------


def name_on(org: Organization, day: datetime.date) -> str:
    """The organisation's name as it stood at the end of ``day`` (``Organization.name_on``)."""
    return org.name_on(day)


def place_of(org: Organization) -> str:
    """The place name at the top right: the locality of the grassroots body or above."""
    name = org.name
    changed = True
    while changed:
        changed = False
        for prefix in PLACE_PREFIXES:
            if name.lower().startswith(prefix):
                name = name[len(prefix) :]
                changed = True
    return name.strip() or org.name


def _parent(org: Organization) -> Organization | None:
    return Organization.objects.get_parent(org) if org.depth > 1 else None


def issuer_for(kind: DocKind, candidate: Candidate | None, cell: Organization) -> Organization | None:
    if kind.issuer == "cell":
        return cell
    if kind.issuer == "partial":
        parent = _parent(cell)
        return parent if parent is not None and parent.kind == Kind.PARTIAL_COMMITTEE else None
    if kind.issuer == "grassroots":
        return rules.grassroots_of(cell) if cell.kind not in {Kind.GRASSROOTS_CELL} else cell
    return candidate.decided_by if candidate is not None else None


def _reached(candidate: Candidate, stage: str) -> bool:
    if candidate.stage not in PIPELINE:
        # struck off or dropped: the papers of the steps recorded before stay available
        return getattr(candidate, _STAGE_DATE.get(stage, ""), None) is not None
    return PIPELINE.index(candidate.stage) >= PIPELINE.index(stage)


_STAGE_DATE: dict[str, str] = {
    Stage.CULTIVATION: "cultivation_date",
    Stage.DOSSIER: "form5_date",
    Stage.CELL_VOTE: "cell_vote_date",
    Stage.PARTIAL_APPRAISAL: "partial_date",
    Stage.COMMITTEE_VOTE: "committee_date",
    Stage.DECISION: "decision_date",
    Stage.RECOGNITION_PROPOSED: "recognition_proposal_date",
    Stage.OFFICIAL: "recognition_decision_date",
}


def available_kinds(candidate: Candidate) -> list[DocKind]:
    """The papers of the steps this candidate has reached (7-KNĐ only where a partial committee
    appraised the case)."""
    out = []
    for kind in CANDIDATE_KINDS.values():
        if not _reached(candidate, kind.stage):
            continue
        if kind.key == "7-knd" and candidate.partial_date is None:
            continue
        out.append(kind)
    return out


def check_ready(kind: DocKind, candidate: Candidate) -> None:
    """Refuse a paper for a step that has not happened or whose facts are missing."""
    if not _reached(candidate, kind.stage) or (kind.key == "7-knd" and candidate.partial_date is None):
        raise ValidationError(
            f"Chưa thể lập {kind.form} ({kind.title.lower()}): bước «{Stage(kind.stage).label}» chưa được ghi nhận "
            f"cho {candidate.person.full_name}."
        )
    missing = [label(f) for f in kind.required if getattr(candidate, f) in (None, "")]
    if missing:
        raise ValidationError(f"Chưa thể lập {kind.form}: hồ sơ còn thiếu {', '.join(missing)}.")


# --- the facts of a paper ---------------------------------------------------------------------


def _person(candidate: Candidate, user: Any) -> dict[str, str]:
    p = candidate.person
    sensitive = can_see_sensitive(user, candidate.cell)
    return {
        "full_name": p.full_name,
        "sex": p.get_sex_display(),
        "date_of_birth": d(p.date_of_birth),
        "place_of_origin": p.place_of_origin or "…",
        "ethnicity": p.get_ethnicity_display() if sensitive else HIDDEN,
        "religion": p.get_religion_display() if sensitive else HIDDEN,
    }


def _words(day: datetime.date | None) -> str:
    return date_words(day) if day else "ngày … tháng … năm …"


def _percent(part: int, whole: int | None) -> str:
    if not whole:
        return "…"
    return f"{100 * part / whole:.2f}".replace(".", ",") + "%"


def _introducers(c: Candidate) -> str:
    names = [m.person.full_name for m in (c.introducer_1, c.introducer_2) if m is not None]
    if names:
        return ", ".join(f"đồng chí {n}" for n in names)
    return c.get_introduction_display() if c.introduction else "…"


def dossier_items(c: Candidate) -> list[dict]:
    rows = [
        ("Giấy chứng nhận học lớp bồi dưỡng nhận thức về Đảng", "CN-NTVĐ", c.certificate_date),
        ("Đơn xin vào Đảng", "1-KNĐ", c.form1_date),
        ("Lý lịch của người xin vào Đảng", "2-KNĐ", c.form2_date),
        (
            "Giấy giới thiệu người vào Đảng",
            {"members": "3A-KNĐ", "youth_union": "3-KNĐ, 4-KNĐ", "trade_union": "3-KNĐ, 4A-KNĐ"}.get(
                c.introduction, "3-KNĐ"
            ),
            c.form3_date,
        ),
        ("Tổng hợp ý kiến nhận xét của đoàn thể và chi ủy nơi cư trú", "5-KNĐ", c.form5_date),
        ("Kết quả thẩm tra lý lịch", "", c.verification_date),
        ("Nghị quyết đề nghị kết nạp của chi bộ", "6-KNĐ", c.cell_vote_date),
        ("Nghị quyết thẩm định của đảng ủy bộ phận", "7-KNĐ", c.partial_date),
        ("Nghị quyết đề nghị kết nạp của đảng ủy cơ sở", "8-KNĐ", c.committee_date),
        ("Quyết định kết nạp đảng viên", "9-KNĐ", c.decision_date),
    ]
    out: list[dict[str, object]] = []
    for name, form, day in rows:
        if day is None:
            continue
        out.append({"no": len(out) + 1, "name": name, "form": form, "date": d(day)})
    return out


def candidate_facts(kind: DocKind, c: Candidate, user: Any, document_date: datetime.date) -> dict[str, object]:
    grassroots = rules.grassroots_of(c.cell)
    probation_end = rules.probation_ends(c.ceremony_date) if c.ceremony_date else None
    facts = {
        **_person(c, user),
        "cell_name": c.cell.name,
        "cell_total": c.cell_total,
        "cell_present": c.cell_present,
        "cell_votes_for": c.cell_votes_for,
        "cell_votes_percent": _percent(c.cell_votes_for or 0, c.cell_total),
        "introducers": _introducers(c),
        "helper": c.helper.person.full_name if c.helper else "…",
        "partial_members": c.partial_members,
        "partial_votes_for": c.partial_votes_for,
        "committee_members": c.committee_members,
        "committee_votes_for": c.committee_votes_for,
        "cell_vote_date_words": _words(c.cell_vote_date),
        "committee_date_words": _words(c.committee_date),
        "grassroots_name": name_on(grassroots, document_date) if grassroots else c.cell.name,
        "ceremony_date_words": _words(c.ceremony_date),
        "probation_end_words": _words(probation_end),
        "proposal_date_words": _words(c.recognition_proposal_date),
        "official_from_words": _words(c.official_from),
        "admission_decision_number": c.decision_number or "…",
        "items": dossier_items(c),
    }
    allowed = set(placeholders_of(kind))
    return {k: v for k, v in facts.items() if k in allowed}


def document_date_of(kind: DocKind, candidate: Candidate | None, asked: datetime.date | None) -> datetime.date:
    if kind.date_field and candidate is not None:
        return getattr(candidate, kind.date_field)
    if asked is None:
        raise ValidationError({"document_date": f"Hãy nhập ngày của văn bản {kind.form}."})
    if kind.key == "15-knd":
        # a 15-KNĐ is a candidate's paper, and check_ready has required its proposal date
        assert candidate is not None and candidate.recognition_proposal_date is not None
        floor = candidate.recognition_proposal_date
        if asked < floor:
            raise ValidationError(
                {"document_date": f"Ngày đảng ủy xét ({d(asked)}) không được trước ngày chi bộ đề nghị ({d(floor)})."}
            )
    return asked


def is_cell(org: Organization) -> bool:
    return org.kind in CELL_KINDS
