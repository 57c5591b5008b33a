"""Candidates for admission (quần chúng ưu tú, đối tượng kết nạp) and their dated stage events.

A ``Candidate`` is a person in a cell moving through the stages of the admission pipeline.
Its history is the append-only ``CandidateEvent`` rows, each dated by the decision or the
meeting it records; the candidate's current fields (stage, dates, votes, next deadline) are kept
in step with the events inside the same transaction by ``candidates.services``.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from members.models import Membership, Person
from organizations.models import CELL_KINDS, Organization, ScopedQuerySet
from partydev.audit import HistoryBase


class Stage(models.TextChoices):
    SOURCE = "source", "Nguồn"
    CULTIVATION = "cultivation", "Đối tượng bồi dưỡng"
    COURSE = "course", "Đã học lớp nhận thức về Đảng"
    DOSSIER = "dossier", "Đã hoàn thiện hồ sơ"
    VERIFICATION = "verification", "Đã thẩm tra lý lịch"
    CELL_VOTE = "cell_vote", "Chi bộ đã xét"
    PARTIAL_APPRAISAL = "partial_appraisal", "Đảng ủy bộ phận đã thẩm định"
    COMMITTEE_VOTE = "committee_vote", "Đảng ủy cơ sở đã xét"
    DECISION = "decision", "Đã có quyết định kết nạp"
    PROBATIONARY = "probationary", "Đảng viên dự bị"
    RECOGNITION_PROPOSED = "recognition_proposed", "Đã đề nghị công nhận chính thức"
    OFFICIAL = "official", "Đảng viên chính thức"
    STRUCK_OFF = "struck_off", "Xóa tên (không công nhận)"
    DROPPED = "dropped", "Dừng theo dõi"


# Each step named by the act that makes it (a stage is named by the state it leaves behind).
STEP_ACTS: dict[str, str] = {
    Stage.SOURCE: "Đưa vào nguồn",
    Stage.CULTIVATION: "Đưa vào danh sách đối tượng bồi dưỡng",
    Stage.COURSE: "Học lớp bồi dưỡng nhận thức về Đảng",
    Stage.DOSSIER: "Hoàn thiện hồ sơ xin vào Đảng",
    Stage.VERIFICATION: "Thẩm tra lý lịch",
    Stage.CELL_VOTE: "Chi bộ họp xét, biểu quyết",
    Stage.PARTIAL_APPRAISAL: "Đảng ủy bộ phận thẩm định",
    Stage.COMMITTEE_VOTE: "Đảng ủy cơ sở xét, biểu quyết",
    Stage.DECISION: "Ra quyết định kết nạp",
    Stage.PROBATIONARY: "Tổ chức lễ kết nạp",
    Stage.RECOGNITION_PROPOSED: "Chi bộ đề nghị công nhận chính thức",
    Stage.OFFICIAL: "Quyết định công nhận đảng viên chính thức",
    Stage.STRUCK_OFF: "Xóa tên đảng viên dự bị",
}

# The forward order. PARTIAL_APPRAISAL is skipped where the cell has no partial committee above it.
PIPELINE: list[str] = [
    Stage.SOURCE,
    Stage.CULTIVATION,
    Stage.COURSE,
    Stage.DOSSIER,
    Stage.VERIFICATION,
    Stage.CELL_VOTE,
    Stage.PARTIAL_APPRAISAL,
    Stage.COMMITTEE_VOTE,
    Stage.DECISION,
    Stage.PROBATIONARY,
    Stage.RECOGNITION_PROPOSED,
    Stage.OFFICIAL,
]
# Stages where the person is still a candidate (before the ceremony).
OPEN_STAGES = PIPELINE[: PIPELINE.index(Stage.DECISION) + 1]
ACTIVE_STAGES = PIPELINE[:-1]  # everything with a next step
CLOSED_STAGES = (Stage.OFFICIAL, Stage.STRUCK_OFF, Stage.DROPPED)


class SourceKind(models.TextChoices):
    YOUTH_UNION = "youth_union", "Đoàn Thanh niên"
    SCHOOL = "school", "Trường học"
    ENTERPRISE = "enterprise", "Doanh nghiệp, cơ quan"
    RESIDENTIAL_AREA = "residential_area", "Khu dân cư"
    ARMED_FORCES = "armed_forces", "Lực lượng vũ trang"
    OTHER = "other", "Khác"


class Introduction(models.TextChoices):
    """The three routes of the Party Statute, Art. 4 (see ``candidates.rules``)."""

    MEMBERS = "members", "Hai đảng viên chính thức giới thiệu (3A-KNĐ)"
    YOUTH_UNION = "youth_union", "Ban Chấp hành Đoàn cơ sở (4-KNĐ) và một đảng viên chính thức (3-KNĐ)"
    TRADE_UNION = "trade_union", "Ban Chấp hành Công đoàn cơ sở (4A-KNĐ) và một đảng viên chính thức (3-KNĐ)"


class LiteracyBasis(models.TextChoices):
    """Who may be admitted knowing only how to read and write (the literacy route)."""

    VILLAGE_ELDER = "village_elder", "Già làng, người có uy tín"
    VILLAGE_HEAD = "village_head", "Trưởng bản"
    FISHERMAN = "fisherman", "Ngư dân thường xuyên làm việc trên biển, đảo"


class VerificationOutcome(models.TextChoices):
    VERIFIED = "verified", "Đã thẩm tra"
    EXEMPT = "exempt", "Là đảng viên, đã khai đầy đủ lý lịch: không thẩm tra lại"


# The people the background verification covers, in the order of the form (DOMAIN §2, §5).
VERIFICATION_RELATIONS = (
    ("applicant", "Người vào Đảng"),
    ("father", "Cha đẻ"),
    ("mother", "Mẹ đẻ"),
    ("guardian", "Người trực tiếp nuôi dưỡng"),
    ("father_in_law", "Cha vợ (chồng)"),
    ("mother_in_law", "Mẹ vợ (chồng)"),
    ("spouse", "Vợ (chồng)"),
    ("adult_children", "Con đẻ đã trưởng thành"),
)


class VerificationResult(models.TextChoices):
    CLEAR = "clear", "Đạt, không có vấn đề"
    ISSUES = "issues", "Có vấn đề cần xem xét"


class DueKind(models.TextChoices):
    CERTIFICATE_EXPIRY = "certificate_expiry", "Giấy chứng nhận lớp nhận thức hết hạn"
    DECISION = "decision", "Hạn quyết định kết nạp"
    CEREMONY = "ceremony", "Hạn tổ chức lễ kết nạp"
    PROPOSAL = "proposal", "Hạn chi bộ đề nghị công nhận chính thức"
    RECOGNITION = "recognition", "Hạn quyết định công nhận chính thức"


class CandidateQuerySet(ScopedQuerySet):
    scope_field = "cell"

    def for_user(self, user: Any) -> "CandidateQuerySet":
        """Candidates in the user's subtrees (``Organization.objects.for_user`` decides)."""
        return self.in_subtree(user)

    def in_subtree(self, user: Any, org: Organization | None = None) -> "CandidateQuerySet":
        """Candidates the user may see in the cells under ``org`` (all of their scope if None).

        Filtered by the ids of the cells, one subquery on the tree, rather than by a join on the
        path: the database then counts and sorts candidates from their own indexes.
        """
        cells = Organization.objects.for_user(user).filter(kind__in=CELL_KINDS)
        if org is not None:
            cells = cells.filter(path__startswith=org.path)
        return self.filter(cell_id__in=cells.order_by().values("id"))


STAGE_LABELS: dict[str, str] = {str(value): str(label) for value, label in Stage.choices}


class Candidate(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="candidacies", verbose_name="cá nhân")
    cell = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="candidates", verbose_name="chi bộ")
    source_kind = models.CharField(
        "nguồn", max_length=20, choices=SourceKind.choices, default=SourceKind.RESIDENTIAL_AREA
    )
    stage = models.CharField("giai đoạn", max_length=24, choices=Stage.choices, default=Stage.SOURCE)
    stage_date = models.DateField("ngày của giai đoạn hiện tại")
    version = models.PositiveIntegerField(default=1)

    # 2. cultivation list
    cultivation_date = models.DateField("ngày vào danh sách bồi dưỡng", null=True, blank=True)
    helper = models.ForeignKey(
        Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="đảng viên giúp đỡ"
    )
    # 3. awareness course
    certificate_number = models.CharField("số giấy chứng nhận CN-NTVĐ", max_length=64, blank=True)
    certificate_date = models.DateField("ngày cấp giấy chứng nhận", null=True, blank=True)
    # 4. dossier: the date each form was received
    form1_date = models.DateField("đơn xin vào Đảng (1-KNĐ)", null=True, blank=True)
    form2_date = models.DateField("lý lịch (2-KNĐ)", null=True, blank=True)
    introduction = models.CharField("hình thức giới thiệu", max_length=16, choices=Introduction.choices, blank=True)
    form3_date = models.DateField("giấy giới thiệu (3-KNĐ / 4-KNĐ / 4A-KNĐ)", null=True, blank=True)
    introducer_1 = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người giới thiệu thứ nhất",
    )
    introducer_2 = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người giới thiệu thứ hai",
    )
    no_youth_union = models.BooleanField("cơ quan, doanh nghiệp không có tổ chức Đoàn", default=False)
    # The 12 months together where the records do not show them: the secretary's dated statement.
    introducer_1_since = models.DateField(
        "người giới thiệu thứ nhất cùng công tác, học tập, cư trú từ ngày", null=True, blank=True
    )
    introducer_2_since = models.DateField(
        "người giới thiệu thứ hai cùng công tác, học tập, cư trú từ ngày", null=True, blank=True
    )
    together_statement_date = models.DateField(
        "ngày bí thư chi bộ xác nhận thời gian cùng công tác", null=True, blank=True
    )
    form5_date = models.DateField("nhận xét của đoàn thể, chi ủy nơi cư trú (5-KNĐ)", null=True, blank=True)
    # 5. background verification
    verification_result = models.CharField(
        "kết quả thẩm tra", max_length=8, choices=VerificationResult.choices, blank=True
    )
    verification_date = models.DateField("ngày thẩm tra xong", null=True, blank=True)
    # {relation: "verified" | "exempt"} for each person the verification covered (VERIFICATION_RELATIONS).
    verification_subjects = models.JSONField("người được thẩm tra", default=dict, blank=True)
    # 6. cell vote (6-KNĐ)
    cell_vote_date = models.DateField("ngày chi bộ xét", null=True, blank=True)
    cell_present = models.PositiveIntegerField("đảng viên chính thức có mặt", null=True, blank=True)
    cell_total = models.PositiveIntegerField("tổng số đảng viên chính thức", null=True, blank=True)
    cell_votes_for = models.PositiveIntegerField("số tán thành", null=True, blank=True)
    # The written exceptions (named routes, each with its consent): see candidates.rules.
    literacy_basis = models.CharField(
        "trường hợp chỉ cần biết đọc, biết viết", max_length=16, choices=LiteracyBasis.choices, blank=True
    )
    literacy_consent_number = models.CharField("số văn bản đồng ý (biết đọc, biết viết)", max_length=64, blank=True)
    literacy_consent_date = models.DateField("ngày văn bản đồng ý (biết đọc, biết viết)", null=True, blank=True)
    over_60_consent_number = models.CharField("số văn bản đồng ý (trên 60 tuổi)", max_length=64, blank=True)
    over_60_consent_date = models.DateField("ngày văn bản đồng ý (trên 60 tuổi)", null=True, blank=True)
    # 7. partial committee appraisal (7-KNĐ)
    partial_date = models.DateField("ngày đảng ủy bộ phận thẩm định", null=True, blank=True)
    partial_members = models.PositiveIntegerField("số ủy viên đảng ủy bộ phận", null=True, blank=True)
    partial_votes_for = models.PositiveIntegerField("số tán thành (bộ phận)", null=True, blank=True)
    # 8. grassroots committee vote (8-KNĐ)
    committee_date = models.DateField("ngày đảng ủy cơ sở xét", null=True, blank=True)
    committee_members = models.PositiveIntegerField("số cấp ủy viên", null=True, blank=True)
    committee_votes_for = models.PositiveIntegerField("số tán thành (cấp ủy)", null=True, blank=True)
    decision_extended = models.BooleanField("trường hợp đặc biệt (+30 ngày làm việc)", default=False)
    # 9. admission decision (9-KNĐ)
    decision_number = models.CharField("số quyết định kết nạp", max_length=64, blank=True)
    decision_date = models.DateField("ngày quyết định kết nạp", null=True, blank=True)
    decision_received_date = models.DateField("ngày chi bộ nhận quyết định", null=True, blank=True)
    decided_by = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="cấp ủy quyết định",
    )
    # 10. ceremony; then the member record and recognition
    ceremony_date = models.DateField("ngày lễ kết nạp", null=True, blank=True)
    membership = models.OneToOneField(
        Membership,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="candidacy",
        verbose_name="hồ sơ đảng viên",
    )
    recognition_proposal_date = models.DateField("ngày chi bộ đề nghị công nhận", null=True, blank=True)
    recognition_decision_date = models.DateField("ngày quyết định công nhận chính thức", null=True, blank=True)
    official_from = models.DateField("chính thức từ ngày", null=True, blank=True)

    # The next legal deadline of the current stage, kept in step by the services (worklists read it).
    next_due = models.DateField("hạn tiếp theo", null=True, blank=True)
    due_kind = models.CharField("loại hạn", max_length=20, choices=DueKind.choices, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)

    objects = CandidateQuerySet.as_manager()
    # Where the facts counted the candidate when ``services._lock`` read it (not a column).
    _fact_key: tuple
    # Every change, with who, when and from where (partydev.audit).
    history = HistoricalRecords(bases=[HistoryBase])

    class Meta:
        verbose_name = "đối tượng kết nạp"
        verbose_name_plural = "đối tượng kết nạp"
        indexes = [
            # Covers the board's count by stage and its ranking by deadline within a scope.
            models.Index(fields=["cell", "stage", "next_due"]),
            models.Index(fields=["next_due", "due_kind"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(cell_present__isnull=True)
                | Q(cell_total__isnull=True)
                | Q(cell_present__lte=models.F("cell_total")),
                name="candidate_present_le_total",
            ),
            models.CheckConstraint(
                condition=Q(cell_votes_for__isnull=True)
                | Q(cell_present__isnull=True)
                | Q(cell_votes_for__lte=models.F("cell_present")),
                name="candidate_votes_le_present",
            ),
        ]

    def __str__(self) -> str:
        return str(self.person)

    def get_stage_display(self) -> str:  # type: ignore[no-redef]  # the field's own, made faster
        """The stage's label: a dict lookup (Django's own flattens and hashes the choices on
        every call; a worklist calls it once a card)."""
        return STAGE_LABELS.get(self.stage, self.stage)

    @property
    def is_open(self) -> bool:
        return self.stage not in CLOSED_STAGES

    def failed_votes(self) -> list["CandidateEvent"]:
        """The votes that did not reach 2/3 since the candidate's last other event (a step, a
        return, a move): the attempts at the coming vote, oldest first."""
        last_other = self.events.exclude(kind=EventKind.VOTE_FAILED).order_by("-id").values("id")[:1]
        return list(self.events.filter(kind=EventKind.VOTE_FAILED, id__gt=models.Subquery(last_other)).order_by("id"))


class EventKind(models.TextChoices):
    CREATED = "created", "Đưa vào nguồn"
    ADVANCED = "advanced", "Chuyển giai đoạn"
    BACKFILLED = "backfilled", "Nhập bổ sung (đã qua giai đoạn)"
    RETURNED = "returned", "Trả về giai đoạn trước"
    DROPPED = "dropped", "Dừng theo dõi"
    MOVED = "moved", "Chuyển chi bộ"
    STRUCK_OFF = "struck_off", "Xóa tên (không công nhận chính thức)"
    VOTE_FAILED = "vote_failed", "Biểu quyết chưa đạt 2/3"


class CandidateEventQuerySet(ScopedQuerySet):
    """A candidate's events are seen with the candidate."""

    scope_field = "candidate__cell"


class CandidateEvent(models.Model):
    """One dated change of a candidate. Append-only: never updated, never deleted."""

    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField("loại", max_length=12, choices=EventKind.choices)
    stage_from = models.CharField(max_length=24, choices=Stage.choices, blank=True)
    stage_to = models.CharField(max_length=24, choices=Stage.choices)
    effective_date = models.DateField("ngày quyết định, họp")
    cell = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", verbose_name="chi bộ")
    regulation = models.CharField("quy định áp dụng", max_length=16, blank=True)
    data = models.JSONField("nội dung", default=dict, blank=True)
    reason = models.TextField("lý do", blank=True)
    # Failed rules that were overridden, with the written reason: [{"code", "message"}].
    overrides = models.JSONField("quy tắc được bỏ qua", default=list, blank=True)
    override_reason = models.TextField("lý do bỏ qua", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(bases=[HistoryBase])

    objects = CandidateEventQuerySet.as_manager()

    class Meta:
        verbose_name = "sự kiện kết nạp"
        verbose_name_plural = "sự kiện kết nạp"
        ordering = ["effective_date", "id"]
        indexes = [models.Index(fields=["kind", "effective_date"])]


class LocalCriterionQuerySet(ScopedQuerySet):
    """Local criteria set by organisations in the user's subtrees."""

    scope_field = "organization"


class LocalCriterion(models.Model):
    """A stricter criterion a local committee adds (Directive 28-CT/TW): a checklist item that must
    be ticked before ``required_before`` for every candidate in the committee's subtree."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="local_criteria", verbose_name="cấp ủy đặt ra"
    )
    label = models.CharField("tiêu chí", max_length=255)
    required_before = models.CharField(
        "phải đạt trước bước", max_length=24, choices=Stage.choices, default=Stage.CELL_VOTE
    )
    active = models.BooleanField("đang áp dụng", default=True)

    history = HistoricalRecords(bases=[HistoryBase])

    objects = LocalCriterionQuerySet.as_manager()

    class Meta:
        verbose_name = "tiêu chí riêng của cấp ủy"
        verbose_name_plural = "tiêu chí riêng của cấp ủy"

    def __str__(self) -> str:
        return self.label


class CriterionCheckQuerySet(ScopedQuerySet):
    """A candidate's criteria met are seen with the candidate."""

    scope_field = "candidate__cell"


class CriterionCheck(models.Model):
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="criterion_checks")
    criterion = models.ForeignKey(LocalCriterion, on_delete=models.PROTECT, related_name="checks")
    met_on = models.DateField("ngày đạt")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(bases=[HistoryBase])

    objects = CriterionCheckQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["candidate", "criterion"], name="criterion_check_unique")]


class CandidateStageFact(models.Model):
    """How many candidates of a cell are at a stage since a date (the day they entered it): the
    counts the board, the coverage report and the projection read. Kept in step by
    ``candidates.services`` with every event, in the same transaction (``candidates.facts``)."""

    cell = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(max_length=24, choices=Stage.choices)
    day = models.DateField()
    n = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cell", "stage", "day"], name="candidate_stage_fact_unique")]
        indexes = [models.Index(fields=["stage", "cell", "day"], name="stage_fact_stage_cell")]


class StageOutcome(models.TextChoices):
    WENT_ON = "went_on", "Chuyển sang giai đoạn sau"
    DROPPED = "dropped", "Dừng theo dõi"


class CandidateStageEndFact(models.Model):
    """How many candidates of a cell left a stage before the admission decision on a day, went on
    or were dropped, after how many days in it (-1: the day they entered it is not recorded): the
    conversions and typical times the projection reads. The cell is the one of the event that
    ended the stage. Kept in step by ``candidates.services`` with every event, in the same
    transaction (``candidates.facts``)."""

    UNKNOWN_DAYS = -1

    cell = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(max_length=24, choices=Stage.choices)
    day = models.DateField()
    outcome = models.CharField(max_length=8, choices=StageOutcome.choices)
    days = models.IntegerField()
    n = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cell", "stage", "day", "outcome", "days"], name="candidate_stage_end_fact_unique"
            )
        ]
        # The projection's stage history: the ends of a window summed per stage, outcome and
        # days, read in this order (no sort) and from the index alone (SQLite). It replaced an
        # index on (day, cell), which had SQLite read the window's rows from the table and sort
        # them; the writes go through the unique constraint.
        indexes = [models.Index(fields=["stage", "outcome", "days", "day", "cell", "n"], name="stage_end_fact_history")]


class CandidateDueFact(models.Model):
    """How many open candidates of a cell have their next legal deadline of a kind on a day: the
    worklists' totals (overdue, due this month, certificates expiring), read for any scope in one
    grouped query. Kept in step with ``Candidate.next_due`` by ``candidates.services``."""

    cell = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    due_kind = models.CharField(max_length=20, choices=DueKind.choices)
    day = models.DateField()
    n = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cell", "due_kind", "day"], name="candidate_due_fact_unique")]
        indexes = [models.Index(fields=["day", "cell"], name="due_fact_day_cell")]
