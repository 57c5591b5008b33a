"""Persons, memberships and their dated events.

A ``Person`` holds the personal fields shared by members and candidates. A ``Membership`` is a
person's party membership; its history is the append-only ``MembershipEvent`` rows, each dated
by its decision. ``MembershipPeriod`` rows are derived from the events and kept in step in the
same transaction: each says where the member was (cell) and in what status from one date to
the next, so "how many members at date D under organisation N" is one range query.
"""

from collections.abc import Collection
from typing import Any, Self

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from organizations.models import Organization, ScopedQuerySet
from partydev.audit import HistoryBase
from partydev.text import fold

ETHNICITIES = [
    ("kinh", "Kinh"),
    ("tay", "Tày"),
    ("thai", "Thái"),
    ("muong", "Mường"),
    ("khmer", "Khmer"),
    ("hoa", "Hoa"),
    ("nung", "Nùng"),
    ("hmong", "H'Mông"),
    ("dao", "Dao"),
    ("gia_rai", "Gia Rai"),
    ("ngai", "Ngái"),
    ("e_de", "Ê Đê"),
    ("ba_na", "Ba Na"),
    ("xo_dang", "Xơ Đăng"),
    ("san_chay", "Sán Chay"),
    ("co_ho", "Cơ Ho"),
    ("cham", "Chăm"),
    ("san_diu", "Sán Dìu"),
    ("hre", "Hrê"),
    ("mnong", "Mnông"),
    ("ra_glai", "Ra Glai"),
    ("xtieng", "Xtiêng"),
    ("bru_van_kieu", "Bru-Vân Kiều"),
    ("tho", "Thổ"),
    ("giay", "Giáy"),
    ("co_tu", "Cơ Tu"),
    ("gie_trieng", "Giẻ Triêng"),
    ("ma", "Mạ"),
    ("kho_mu", "Khơ Mú"),
    ("co", "Co"),
    ("ta_oi", "Tà Ôi"),
    ("cho_ro", "Chơ Ro"),
    ("khang", "Kháng"),
    ("xinh_mun", "Xinh Mun"),
    ("ha_nhi", "Hà Nhì"),
    ("chu_ru", "Chu Ru"),
    ("lao", "Lào"),
    ("la_chi", "La Chí"),
    ("la_ha", "La Ha"),
    ("phu_la", "Phù Lá"),
    ("la_hu", "La Hủ"),
    ("lu", "Lự"),
    ("lo_lo", "Lô Lô"),
    ("chut", "Chứt"),
    ("mang", "Mảng"),
    ("pa_then", "Pà Thẻn"),
    ("co_lao", "Cơ Lao"),
    ("cong", "Cống"),
    ("bo_y", "Bố Y"),
    ("si_la", "Si La"),
    ("pu_peo", "Pu Péo"),
    ("brau", "Brâu"),
    ("o_du", "Ơ Đu"),
    ("ro_mam", "Rơ Măm"),
]
assert len(ETHNICITIES) == 54


class Sex(models.TextChoices):
    MALE = "male", "Nam"
    FEMALE = "female", "Nữ"


class Religion(models.TextChoices):
    NONE = "none", "Không"
    BUDDHISM = "buddhism", "Phật giáo"
    CATHOLICISM = "catholicism", "Công giáo"
    PROTESTANTISM = "protestantism", "Tin Lành"
    CAODAISM = "caodaism", "Cao Đài"
    HOAHAO = "hoahao", "Phật giáo Hòa Hảo"
    ISLAM = "islam", "Hồi giáo"
    OTHER = "other", "Tôn giáo khác"


class GeneralEducation(models.TextChoices):
    # Below primary school: admitted only by the literacy route (candidates.rules).
    LITERATE = "literate", "Biết đọc, biết viết chữ quốc ngữ"
    PRIMARY = "primary", "Tiểu học"
    LOWER_SECONDARY = "lower_secondary", "Trung học cơ sở"
    UPPER_SECONDARY = "upper_secondary", "Trung học phổ thông"


class ProfessionalQualification(models.TextChoices):
    NONE = "none", "Chưa qua đào tạo"
    TECHNICAL_WORKER = "technical_worker", "Công nhân kỹ thuật, nhân viên nghiệp vụ"
    INTERMEDIATE = "intermediate", "Trung cấp"
    COLLEGE = "college", "Cao đẳng"
    UNIVERSITY = "university", "Đại học"
    MASTER = "master", "Thạc sĩ"
    DOCTOR = "doctor", "Tiến sĩ"


class PoliticalTheory(models.TextChoices):
    NONE = "none", "Chưa qua đào tạo"
    ELEMENTARY = "elementary", "Sơ cấp"
    INTERMEDIATE = "intermediate", "Trung cấp"
    ADVANCED = "advanced", "Cao cấp, cử nhân"


class Sector(models.TextChoices):
    CIVIL_SERVANT = "civil_servant", "Cán bộ, công chức"
    PUBLIC_EMPLOYEE = "public_employee", "Viên chức"
    ENTERPRISE_EMPLOYEE = "enterprise_employee", "Người lao động trong doanh nghiệp nhà nước"
    WORKER = "worker", "Công nhân"
    FARMER = "farmer", "Nông dân"
    STUDENT = "student", "Học sinh, sinh viên"
    ARMED_FORCES = "armed_forces", "Lực lượng vũ trang"
    PRIVATE_ENTERPRISE = "private_enterprise", "Doanh nghiệp tư nhân, có vốn đầu tư nước ngoài"
    OTHER = "other", "Khác"


# ASCII digits only: ``\d`` also matches Arabic-Indic, Devanagari and full-width digits, and ``$``
# a trailing newline, each of which would let a second person carry another's number. Input is
# folded first with ``partydev.text.ascii_digits`` (full-width digits become ASCII).
national_id_validator = RegexValidator(r"\A[0-9]{12}\Z", "Số CCCD phải gồm đúng 12 chữ số.")


class PersonQuerySet(ScopedQuerySet):
    """Persons through their membership (a candidate's person is read through ``Candidate``)."""

    scope_field = "membership__cell"


# A person's own fields: what the edit form shows, an import writes and ``person_version`` digests.
PERSON_FIELDS = (
    "full_name",
    "sex",
    "date_of_birth",
    "ethnicity",
    "religion",
    "national_id",
    "place_of_origin",
    "general_education",
    "professional_qualification",
    "political_theory",
    "sector",
    "youth_union",
)


class Person(models.Model):
    """Personal fields shared by members and candidates."""

    full_name = models.CharField("họ và tên", max_length=255)
    name_search = models.CharField(max_length=255, editable=False, db_index=True, default="")
    sex = models.CharField("giới tính", max_length=8, choices=Sex.choices)
    date_of_birth = models.DateField("ngày sinh")
    ethnicity = models.CharField("dân tộc", max_length=16, choices=ETHNICITIES, default="kinh")
    religion = models.CharField("tôn giáo", max_length=16, choices=Religion.choices, default=Religion.NONE)
    national_id = models.CharField(
        "số CCCD",
        max_length=12,
        null=True,
        blank=True,
        unique=True,
        validators=[national_id_validator],
        error_messages={"unique": "Số CCCD này đã có trong hệ thống."},
    )
    place_of_origin = models.CharField("quê quán", max_length=255, blank=True)
    general_education = models.CharField("giáo dục phổ thông", max_length=16, choices=GeneralEducation.choices)
    professional_qualification = models.CharField(
        "chuyên môn, nghiệp vụ",
        max_length=20,
        choices=ProfessionalQualification.choices,
        default=ProfessionalQualification.NONE,
    )
    political_theory = models.CharField(
        "lý luận chính trị", max_length=16, choices=PoliticalTheory.choices, default=PoliticalTheory.NONE
    )
    sector = models.CharField("nghề nghiệp, thành phần", max_length=24, choices=Sector.choices, default=Sector.OTHER)
    youth_union = models.BooleanField("đoàn viên", default=False)

    # Every change, with who, when and from where (partydev.audit); the search column is derived.
    history = HistoricalRecords(bases=[HistoryBase], excluded_fields=["name_search"])

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = "cá nhân"
        verbose_name_plural = "cá nhân"

    # The folded name as read from the database: a rename is seen on save (from_db sets it).
    _loaded_name_search: str | None

    def __str__(self) -> str:
        return self.full_name

    @classmethod
    def from_db(cls, db: str | None, field_names: Collection[str], values: Collection[Any]) -> Self:
        person = super().from_db(db, field_names, values)
        person._loaded_name_search = person.__dict__.get("name_search")
        return person

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_search = fold(self.full_name)
        if self.national_id == "":
            self.national_id = None
        renamed = not self._state.adding and getattr(self, "_loaded_name_search", None) != self.name_search
        super().save(*args, **kwargs)
        if renamed:  # the register's order follows the name (Membership.sort_name), in the same transaction
            Membership.objects.filter(person_id=self.pk).update(sort_name=self.name_search)
        self._loaded_name_search = self.name_search

    @property
    def is_ethnic_minority(self) -> bool:
        return self.ethnicity != "kinh"


class Status(models.TextChoices):
    PROBATIONARY = "probationary", "Dự bị"
    OFFICIAL = "official", "Chính thức"
    TRANSFERRED_OUT = "transferred_out", "Đã chuyển sinh hoạt đi"
    STRUCK_OFF = "struck_off", "Đã xóa tên"
    LEFT = "left", "Đã ra khỏi Đảng"
    EXPELLED = "expelled", "Đã khai trừ"
    DIED = "died", "Đã từ trần"


ACTIVE_STATUSES = (Status.PROBATIONARY, Status.OFFICIAL)


class MembershipQuerySet(ScopedQuerySet):
    """Memberships of the cells in the user's subtrees."""

    scope_field = "cell"


class Membership(models.Model):
    """A person's party membership. Its current fields are kept in step with its events."""

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="membership")
    cell = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="memberships", verbose_name="chi bộ")
    status = models.CharField("tình trạng", max_length=16, choices=Status.choices, default=Status.PROBATIONARY)
    exempted = models.BooleanField("miễn công tác và sinh hoạt", default=False)
    admission_decision_number = models.CharField("số quyết định kết nạp", max_length=64, blank=True)
    admission_decision_date = models.DateField("ngày quyết định kết nạp")
    admission_decided_by = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="cấp ủy quyết định",
    )
    ceremony_date = models.DateField("ngày lễ kết nạp", null=True, blank=True)
    official_from = models.DateField("chính thức từ ngày", null=True, blank=True)
    recognition_decision_date = models.DateField("ngày quyết định công nhận chính thức", null=True, blank=True)
    card_number = models.CharField("số thẻ đảng viên", max_length=32, blank=True)
    version = models.PositiveIntegerField(default=1)
    # The person's folded name (Person.name_search), copied here so the register can be read in
    # name order from one index on this table: a province's first page reads 26 index entries
    # instead of sorting 70,000 joined rows. Kept in step by Person.save and Membership.save.
    sort_name = models.CharField(max_length=255, editable=False, default="")

    history = HistoricalRecords(bases=[HistoryBase], excluded_fields=["sort_name"])

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = "đảng viên"
        verbose_name_plural = "đảng viên"
        indexes = [
            models.Index(fields=["admission_decision_date"]),
            models.Index(fields=["sort_name", "id"], name="membership_register_order"),
        ]

    def __str__(self) -> str:
        return str(self.person)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if Membership.person.is_cached(self) or self._state.adding:
            self.sort_name = self.person.name_search
        super().save(*args, **kwargs)


class EventKind(models.TextChoices):
    ADMITTED = "admitted", "Kết nạp"
    RECOGNISED = "recognised", "Công nhận đảng viên chính thức"
    TRANSFERRED_OUT = "transferred_out", "Chuyển sinh hoạt đi"
    TRANSFERRED_IN = "transferred_in", "Chuyển sinh hoạt đến"
    EXEMPTED = "exempted", "Miễn công tác và sinh hoạt đảng"
    EXEMPTION_ENDED = "exemption_ended", "Thôi miễn công tác và sinh hoạt đảng"
    STRUCK_OFF = "struck_off", "Xóa tên"
    LEFT = "left", "Xin ra khỏi Đảng"
    EXPELLED = "expelled", "Khai trừ"
    REPRIMANDED = "reprimanded", "Khiển trách"
    WARNED = "warned", "Cảnh cáo"
    REMOVED_FROM_POST = "removed_from_post", "Cách chức"
    DIED = "died", "Từ trần"
    READMITTED = "readmitted", "Kết nạp lại"


# The kind sets every read and write shares (their one home).
ADMISSION_KINDS = (EventKind.ADMITTED, EventKind.READMITTED)
EXIT_KINDS = (EventKind.STRUCK_OFF, EventKind.LEFT, EventKind.EXPELLED, EventKind.DIED)
TRANSFER_KINDS = (EventKind.TRANSFERRED_IN, EventKind.TRANSFERRED_OUT)
# The events the period reports count (``MemberFlowFact``).
FLOW_KINDS = (*ADMISSION_KINDS, *EXIT_KINDS, *TRANSFER_KINDS)


class MembershipEventQuerySet(ScopedQuerySet):
    """A member's events are seen with the membership."""

    scope_field = "membership__cell"


class MembershipEvent(models.Model):
    """One dated change of a membership. Append-only: never updated, never deleted."""

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField("loại", max_length=20, choices=EventKind.choices)
    effective_date = models.DateField("ngày quyết định")
    decision_number = models.CharField("số quyết định", max_length=64, blank=True)
    # The cell the member belongs to after the event, and the status after it.
    cell = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    status_after = models.CharField(max_length=16, choices=Status.choices)
    was_probationary = models.BooleanField(default=False, help_text="Đảng viên dự bị khi sự kiện xảy ra")
    other_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="tổ chức đảng kia"
    )
    other_organization_name = models.CharField("tổ chức đảng kia (ngoài hệ thống)", max_length=255, blank=True)
    # When the status change takes effect, if not on the decision date: an official member is
    # official from the end of the 12 months of probation even when the decision comes later.
    status_from = models.DateField("có hiệu lực từ ngày", null=True, blank=True)
    temporary = models.BooleanField("tạm thời", default=False)
    reason = models.TextField("lý do", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(bases=[HistoryBase])

    objects = MembershipEventQuerySet.as_manager()

    class Meta:
        verbose_name = "sự kiện đảng viên"
        verbose_name_plural = "sự kiện đảng viên"
        ordering = ["effective_date", "id"]
        indexes = [models.Index(fields=["kind", "effective_date"])]


class MembershipPeriodQuerySet(ScopedQuerySet):
    """A member's periods are seen with the membership."""

    scope_field = "membership__cell"


class MembershipPeriod(models.Model):
    """Where a member was, and in what status, from ``start`` (inclusive) to ``end`` (exclusive).

    Derived from the events and kept in step with them in the same transaction; can be rebuilt
    from the events at any time. Only active statuses (probationary, official) get periods.
    """

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="periods")
    cell = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices)
    start = models.DateField()
    end = models.DateField(null=True, blank=True)

    objects = MembershipPeriodQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["start", "end"]),
            # Counts at a date under a subtree: from the subtree's cells straight into their
            # periods, answered from the index alone.
            models.Index(fields=["cell", "start", "end", "status"], name="period_cell_dates_status"),
            # Members at a date from the yearly balances: the periods ending within the year.
            models.Index(fields=["end"], name="period_end"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gt=models.F("start")), name="period_end_after_start"
            ),
        ]


class ProposalQuerySet(ScopedQuerySet):
    """A cell's proposals are seen with the membership they are about."""

    scope_field = "membership__cell"


class Proposal(models.Model):
    """A cell's proposal about one of its members (transfer, exemption, striking off, ...),
    awaiting the decision of the committee above. Deciding it records a ``MembershipEvent``."""

    class State(models.TextChoices):
        PENDING = "pending", "Chờ quyết định"
        DECIDED = "decided", "Đã quyết định"
        REJECTED = "rejected", "Không chấp thuận"

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="proposals")
    kind = models.CharField("đề nghị", max_length=20, choices=EventKind.choices)
    proposed_on = models.DateField("ngày đề nghị")
    other_organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="tổ chức đảng nơi đến",
    )
    other_organization_name = models.CharField("nơi đến (ngoài hệ thống)", max_length=255, blank=True)
    temporary = models.BooleanField("tạm thời", default=False)
    reason = models.TextField("lý do", blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    event = models.OneToOneField(
        MembershipEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="proposal"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(bases=[HistoryBase])

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = "đề nghị của chi bộ"
        verbose_name_plural = "đề nghị của chi bộ"
        ordering = ["proposed_on", "id"]


# --- facts: the counts the reports read, kept in step by members.facts --------------------------


class MemberFlowFact(models.Model):
    """One admission, exit or permanent transfer, as the period reports count it: keyed by the
    cell (and for a transfer by the other cell too), dated by the decision. An admission also
    carries the new member's profile (the quality report's breakdowns; age in full years on the
    day of the decision). Written with its event, in the same transaction (``members.facts``)."""

    event = models.OneToOneField(MembershipEvent, on_delete=models.CASCADE, related_name="fact")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    cell = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    other_cell = models.ForeignKey(Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    day = models.DateField()
    probationary = models.BooleanField(default=False)
    sex = models.CharField(max_length=8, blank=True)
    ethnicity = models.CharField(max_length=16, blank=True)
    religion = models.CharField(max_length=16, blank=True)
    general_education = models.CharField(max_length=16, blank=True)
    professional_qualification = models.CharField(max_length=20, blank=True)
    political_theory = models.CharField(max_length=16, blank=True)
    sector = models.CharField(max_length=24, blank=True)
    youth_union = models.BooleanField(null=True)
    age = models.PositiveSmallIntegerField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["kind", "day", "cell"], name="flow_kind_day_cell"),
            models.Index(fields=["cell", "day"], name="flow_cell_day"),
        ]


class SubtreeYear(models.Model):
    """The members' facts of one organisation's subtree in one year, summed once: the admissions
    of the year (admitted and readmitted, by decision date), its readmissions and exits by kind,
    and the members at its start (the end of 31 December before), each under the tree as it stood on the fact's own date. What the
    province's pages read for whole years instead of rolling every cell up (``members.subtree_years``).

    Kept in step by the same writes as the cell facts (``members.facts``), in the same
    transaction; a move in the tree recomputes the years it touches; ``rebuild_facts`` repairs.
    Rows cover ``subtree_years.COVERED``; an absent row is a zero.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    admissions = models.IntegerField(default=0)
    official = models.IntegerField(default=0)
    probationary = models.IntegerField(default=0)
    # the year's readmissions (among its admissions) and exits by kind, probationary members apart
    readmitted = models.IntegerField(default=0)
    struck_off = models.IntegerField(default=0)
    struck_off_probationary = models.IntegerField(default=0)
    left = models.IntegerField(default=0)
    left_probationary = models.IntegerField(default=0)
    expelled = models.IntegerField(default=0)
    expelled_probationary = models.IntegerField(default=0)
    died = models.IntegerField(default=0)
    died_probationary = models.IntegerField(default=0)
    # the year's transfers across the subtree's boundary (a transfer between two of its cells is
    # neither): in from a cell outside it or from outside the system, out to one
    transferred_in = models.IntegerField(default=0)
    transferred_out = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "year"], name="subtree_year_unique")]
        # A year's rows read whole, the figures in the index (no lookup per row): which
        # organisations admitted someone, which have members (``subtree_years.admitting_ids``).
        indexes = [
            models.Index(
                fields=["year", "organization", "admissions", "official", "probationary"], name="subtree_year_by_year"
            )
        ]


class MemberBalance(models.Model):
    """Official and probationary members of a cell at the start of 1 January of ``year`` (the
    end of 31 December before), from its membership periods. With the periods starting and
    ending within a year, members at any date are one equality lookup plus half a year of
    boundaries at most (``members.facts``).

    Years with no member may have no row. Each cell's last row (``is_last``) is its count ever
    after: no period of the cell starts or ends on or after 1 January of that year, so a year
    beyond it reads the last row.
    """

    cell = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    official = models.IntegerField(default=0)
    probationary = models.IntegerField(default=0)
    is_last = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cell", "year"], name="member_balance_unique")]
        indexes = [
            models.Index(fields=["year", "cell"], name="balance_year_cell"),
            models.Index(fields=["is_last", "year", "cell"], name="balance_last"),
        ]
