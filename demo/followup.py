"""Demo follow-up: committee members of the province and of the ten district-level committees,
each following organisations through 2022, and a year of monthly checks with some gaps.

Bulk-loaded and deterministic (a few seconds). The account ``capuy`` (password as every demo
account) is a member of the city committee following Đảng bộ phường Hợp Thành and others, with an
assignment running this month too, so its month's check is due.
"""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from demo.tree import DEMO_PASSWORD, PROVINCE_CODE, name_demo_accounts
from followup.models import Assignment, CheckAction, CommitteeMember, EvaluationThresholds, MonthlyCheck
from followup.months import month_start
from organizations.models import DISTRICT_LEVEL_KINDS, GRASSROOTS_KINDS, Organization, Role

YEAR = 2022
MEMBERS_PER_DISTRICT = 4
PROVINCE_MEMBERS = 4
DEMO_ACCOUNT = "capuy"

FAMILY = ["Bùi", "Đinh", "Quách", "Hà", "Xa", "Nguyễn", "Trần", "Lê", "Hoàng", "Phạm", "Vì", "Sa"]
GIVEN = [
    "Văn Thắng",
    "Thị Hoa",
    "Văn Hùng",
    "Thị Lan",
    "Công Minh",
    "Thị Thu",
    "Văn Nam",
    "Đức Anh",
    "Thị Hằng",
    "Văn Tiến",
]
REVIEWED = [
    "Sổ theo dõi nguồn phát triển đảng viên; danh sách đối tượng bồi dưỡng",
    "Hồ sơ đề nghị kết nạp; biên bản họp chi bộ xét kết nạp",
    "Tiến độ thực hiện chỉ tiêu kết nạp; việc phân công đảng viên giúp đỡ quần chúng",
]
FINDINGS = [
    "Chi bộ quan tâm tạo nguồn; tiến độ đạt kế hoạch.",
    "Nguồn còn mỏng ở khu dân cư; cần phối hợp với Đoàn thanh niên.",
    "Một số hồ sơ chậm hoàn thiện lý lịch, cần đôn đốc.",
    "Đã kết nạp đúng quy trình; chất lượng đảng viên mới bảo đảm.",
]
ACTIONS = [
    ("Rà soát, bổ sung nguồn quần chúng ưu tú ở khu dân cư", "Bí thư chi bộ"),
    ("Hoàn thiện thẩm tra lý lịch các đối tượng đã học lớp nhận thức", "Đảng ủy cơ sở"),
    ("Phối hợp Đoàn thanh niên giới thiệu đoàn viên ưu tú", "Phó bí thư đảng ủy"),
]


def _missing(i: int, month: int) -> bool:
    """About one month in twelve goes unchecked; a few units skip more (deterministic)."""
    return (i * 7 + month * 5) % 13 == 0 or (i % 17 == 3 and month in (7, 8))


@transaction.atomic
def seed_followup(today: datetime.date | None = None, *, current: bool = True) -> None:
    """The 2022 follow-up of Hòa Bình; with ``current``, ``capuy``'s assignment of this month too
    (else ``seed_current_assignment`` adds it, wherever the committee member is now)."""
    province = Organization.objects.filter(code=PROVINCE_CODE).first()
    if province is None or CommitteeMember.objects.filter(user__username=DEMO_ACCOUNT).exists():
        return
    User = get_user_model()
    today = today or timezone.localdate()
    password = make_password(DEMO_PASSWORD)  # one hash for every demo committee member: fast
    committees = [province] + list(
        Organization.objects.filter(path__startswith=province.path, depth=2, kind__in=DISTRICT_LEVEL_KINDS).order_by(
            "path"
        )
    )
    grassroots = list(
        Organization.objects.filter(path__startswith=province.path, kind__in=GRASSROOTS_KINDS, depth=3).order_by("path")
    )
    directly_under = list(Organization.objects.filter(path__startswith=province.path, depth=2).order_by("path"))

    users, profiles, roles, plan = [], [], [], []  # plan: (profile index, organisation)
    n = 0
    for committee in committees:
        count = PROVINCE_MEMBERS if committee.depth == 1 else MEMBERS_PER_DISTRICT
        suffix = "tinh" if committee.depth == 1 else committee.code.split(".")[-1].lower()
        first = len(profiles)
        for k in range(count):
            username = DEMO_ACCOUNT if committee.code == f"{PROVINCE_CODE}.TP" and k == 0 else f"cuv_{suffix}_{k + 1}"
            users.append(User(username=username, password=password))
            name = f"{FAMILY[n % len(FAMILY)]} {GIVEN[(n * 3) % len(GIVEN)]}"
            profiles.append(
                CommitteeMember(
                    committee=committee, full_name=name, position="Ủy viên Ban Thường vụ" if k == 0 else "Cấp ủy viên"
                )
            )
            kind = Role.Kind.PROVINCE_OFFICE if committee.depth == 1 else Role.Kind.DISTRICT_STAFF
            roles.append((committee, kind))
            n += 1
        followed = (
            directly_under if committee.depth == 1 else [g for g in grassroots if g.path.startswith(committee.path)]
        )
        for j, org in enumerate(followed):
            plan.append((first + j % count, org))
    existing = set(User.objects.filter(username__in=[u.username for u in users]).values_list("username", flat=True))
    User.objects.bulk_create([u for u in users if u.username not in existing])
    name_demo_accounts()  # capuy
    by_name = {u.username: u for u in User.objects.filter(username__in=[u.username for u in users])}
    for user, profile in zip(users, profiles):
        profile.user = by_name[user.username]
    CommitteeMember.objects.bulk_create(profiles)
    Role.objects.bulk_create(
        [Role(user=p.user, organization=committee, kind=kind) for p, (committee, kind) in zip(profiles, roles)],
        ignore_conflicts=True,
    )

    start, end = datetime.date(YEAR, 1, 1), datetime.date(YEAR, 12, 31)
    assignments = [Assignment(committee_member=profiles[i], organization=org, start=start, end=end) for i, org in plan]
    capuy = next(p for p in profiles if p.user.username == DEMO_ACCOUNT)
    if current and today > end:
        current = next(org for i, org in plan if profiles[i] is capuy)
        assignments.append(
            Assignment(
                committee_member=capuy,
                organization=current,
                start=month_start(today),
                note="Phân công nhiệm kỳ hiện tại",
            )
        )
    Assignment.objects.bulk_create(assignments, batch_size=2000)

    checks, action_rows = [], []
    for i, a in enumerate(assignments):
        if a.end is None:
            continue
        for month in range(1, 13):
            if _missing(i, month):
                continue
            checked_on = datetime.date(YEAR, month, 18 + (i + month) % 9)
            checks.append(
                MonthlyCheck(
                    assignment=a,
                    month=datetime.date(YEAR, month, 1),
                    checked_on=checked_on,
                    reviewed=REVIEWED[(i + month) % len(REVIEWED)],
                    findings=FINDINGS[(i * 3 + month) % len(FINDINGS)],
                )
            )
    MonthlyCheck.objects.bulk_create(checks, batch_size=2000)
    for k, check in enumerate(checks):
        if k % 4:
            continue
        description, owner = ACTIONS[k % len(ACTIONS)]
        due = check.checked_on + datetime.timedelta(days=30)
        done = None if k % 20 == 0 else due - datetime.timedelta(days=3 + k % 10)
        action_rows.append(
            CheckAction(check_record=check, description=description, owner=owner, due_date=due, done_on=done)
        )
    CheckAction.objects.bulk_create(action_rows, batch_size=2000)
    EvaluationThresholds.objects.get_or_create(province=province)


def demo_check_url(month: str = f"{YEAR}-07") -> str:
    """The check page of the demo committee member's first unit (for the benchmark)."""
    a = (
        Assignment.objects.filter(committee_member__user__username=DEMO_ACCOUNT, start__year=YEAR)
        .order_by("organization__path")
        .first()
    )
    return f"/followup/assignments/{a.pk}/{month}/" if a else "/followup/"


@transaction.atomic
def seed_current_assignment(today: datetime.date | None = None) -> None:
    """``capuy`` follows the grassroots organisation of its first 2022 assignment this month too,
    as a member of the committee it sits on now (after the reform, the ward's)."""
    today = today or timezone.localdate()
    profile = CommitteeMember.objects.filter(user__username=DEMO_ACCOUNT).first()
    if profile is None or Assignment.objects.filter(committee_member=profile, end__isnull=True).exists():
        return
    first = Assignment.objects.filter(committee_member=profile).order_by("start", "id").first()
    if first is None:
        return
    Assignment.objects.create(
        committee_member=profile,
        organization=first.organization,
        start=month_start(today),
        note="Phân công nhiệm kỳ hiện tại",
    )
