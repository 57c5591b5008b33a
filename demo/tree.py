"""The demo province: Hòa Bình's party organisation as it stood on 31/12/2022.

Deterministic and bulk-loaded: paths are computed here and rows inserted with bulk_create,
so the whole tree (about 3,700 organisations) loads in a few seconds. The counts match
``shared/domain/published-figures.json``: 13 committees under the province, 510 grassroots
organisations (279 committees and 231 grassroots cells), 8 partial committees, 3,184 cells.
"""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction

from organizations import ancestry
from organizations.models import Kind, Organization, ResidentialArea, Role
from organizations.services import compute_descendant_counts
from partydev.text import fold

DEMO_PASSWORD = "partydev-demo"
PROVINCE_CODE = "HB"

# (code suffix, name, kind, grassroots organisations, of which grassroots committees)
COMMITTEES = [
    ("TP", "Đảng bộ thành phố Hòa Bình", Kind.CITY, 52, 34),
    ("CP", "Đảng bộ huyện Cao Phong", Kind.DISTRICT, 30, 16),
    ("DB", "Đảng bộ huyện Đà Bắc", Kind.DISTRICT, 36, 20),
    ("KB", "Đảng bộ huyện Kim Bôi", Kind.DISTRICT, 44, 25),
    ("LS", "Đảng bộ huyện Lạc Sơn", Kind.DISTRICT, 50, 30),
    ("LT", "Đảng bộ huyện Lạc Thủy", Kind.DISTRICT, 34, 17),
    ("LU", "Đảng bộ huyện Lương Sơn", Kind.DISTRICT, 44, 24),
    ("MC", "Đảng bộ huyện Mai Châu", Kind.DISTRICT, 34, 19),
    ("TL", "Đảng bộ huyện Tân Lạc", Kind.DISTRICT, 42, 25),
    ("YT", "Đảng bộ huyện Yên Thủy", Kind.DISTRICT, 30, 17),
    ("KH", "Đảng bộ Khối các cơ quan và doanh nghiệp tỉnh", Kind.BLOC, 64, 28),
    ("QS", "Đảng bộ Quân sự tỉnh", Kind.MILITARY, 26, 14),
    ("CA", "Đảng bộ Công an tỉnh", Kind.POLICE, 24, 10),
]
PARTIAL_COMMITTEES = 8
CELLS_PER_PARTIAL_COMMITTEE = 4
TOTAL_CELLS = 3184

COMMUNE_STEMS = [
    "Thống Nhất",
    "Hợp Thành",
    "Độc Lập",
    "Yên Mông",
    "Quang Tiến",
    "Dân Chủ",
    "Trung Minh",
    "Hòa Sơn",
    "Mông Hóa",
    "Tân Vinh",
    "Cao Sơn",
    "Liên Sơn",
    "Nhuận Trạch",
    "Phú Thành",
    "Đồng Tâm",
    "Hưng Thi",
    "Mường Chiềng",
    "Tu Lý",
    "Vầy Nưa",
    "Bao La",
    "Pà Cò",
    "Chiềng Châu",
    "Ngọc Lâu",
    "Quý Hòa",
    "Ân Nghĩa",
    "Văn Sơn",
    "Thu Phong",
    "Bắc Phong",
    "Nam Thượng",
    "Kim Lập",
    "Phong Phú",
    "Mỹ Hòa",
    "Lạc Lương",
    "Đoàn Kết",
    "Bảo Hiệu",
    "Hữu Lợi",
]
AREA_STEMS = ["Bưng", "Mít", "Chiềng", "Đồng", "Lũy", "Cháy", "Khả", "Mới", "Trên", "Dưới", "Giữa", "Bãi"]
AGENCY_STEMS = [
    "Sở Tài chính",
    "Sở Y tế",
    "Sở Giáo dục và Đào tạo",
    "Bệnh viện Đa khoa",
    "Trường THPT",
    "Công ty Thủy điện",
    "Kho bạc Nhà nước",
    "Ngân hàng Nông nghiệp",
    "Trung tâm Y tế",
    "Công ty Cổ phần",
    "Ban Quản lý dự án",
    "Cục Thuế",
    "Điện lực",
    "Trường Cao đẳng",
]

DEMO_ACCOUNTS = [
    # username, role, how the organisation is found
    ("province", Role.Kind.PROVINCE_OFFICE),
    ("district", Role.Kind.DISTRICT_STAFF),
    ("grassroots", Role.Kind.GRASSROOTS_STAFF),
    ("secretary", Role.Kind.CELL_SECRETARY),
]
# Who the demo accounts are (family and middle name, given name): history and papers name the
# person who recorded a step, not the login.
DEMO_NAMES = {
    "province": ("Đinh Thị", "Thu Hà"),
    "district": ("Bùi Văn", "Hùng"),
    "grassroots": ("Quách Thị", "Hương"),
    "secretary": ("Hà Thị", "Lan"),
    "capuy": ("Nguyễn Văn", "Thắng"),
    "admin": ("Lê Minh", "Quân"),
}


def name_demo_accounts() -> None:
    """Give the demo accounts their names where none is on file (an edited name is kept)."""
    User = get_user_model()
    for user in User.objects.filter(username__in=DEMO_NAMES, first_name="", last_name=""):
        user.last_name, user.first_name = DEMO_NAMES[user.username]
        user.save(update_fields=["last_name", "first_name"])


@dataclass
class Builder:
    """Accumulates nodes with their materialized paths, then inserts them in one go."""

    nodes: list = field(default_factory=list)
    child_count: dict = field(default_factory=dict)
    areas: list = field(default_factory=list)

    def add(self, parent: Organization | None, root_index: int = 0, **fields) -> Organization:
        if parent is None:
            depth, path = 1, Organization._get_path(None, 1, root_index)
        else:
            n = self.child_count.get(parent.path, 0) + 1
            self.child_count[parent.path] = n
            parent.numchild = n
            depth, path = parent.depth + 1, Organization._get_path(parent.path, parent.depth + 1, n)
        node = Organization(depth=depth, path=path, numchild=0, **fields)
        self.nodes.append(node)
        return node


def _spread(total: int, buckets: int) -> list[int]:
    base, extra = divmod(total, buckets)
    return [base + (1 if i < extra else 0) for i in range(buckets)]


def build_province(builder: Builder, index: int, code: str, name: str) -> Organization:
    province = builder.add(None, root_index=index, code=code, name=name, kind=Kind.PROVINCE, disadvantaged_area=True)
    grassroots_committees = []
    for c_index, (suffix, c_name, c_kind, n_grassroots, n_committees) in enumerate(COMMITTEES):
        committee = builder.add(
            province,
            code=f"{code}.{suffix}",
            name=c_name if index == 1 else f"{c_name} ({name})",
            kind=c_kind,
            can_decide_admission=True,
            disadvantaged_area=c_kind == Kind.DISTRICT,
        )
        for g in range(1, n_grassroots + 1):
            is_committee = g <= n_committees
            if c_kind in (Kind.DISTRICT, Kind.CITY) and is_committee:
                stem = COMMUNE_STEMS[(g + c_index * 7) % len(COMMUNE_STEMS)]
                word = "phường" if c_kind == Kind.CITY and g % 2 else "xã"
                g_name = f"Đảng bộ {word} {stem}" + (
                    f" {g // len(COMMUNE_STEMS) + 1}" if g > len(COMMUNE_STEMS) else ""
                )
            else:
                stem = AGENCY_STEMS[(g + c_index) % len(AGENCY_STEMS)]
                prefix = "Đảng bộ" if is_committee else "Chi bộ"
                g_name = f"{prefix} {stem} số {g}"
            grassroots = builder.add(
                committee,
                code=f"{code}.{suffix}.{g:03d}",
                name=g_name,
                kind=Kind.GRASSROOTS_COMMITTEE if is_committee else Kind.GRASSROOTS_CELL,
                disadvantaged_area=c_kind == Kind.DISTRICT,
            )
            if is_committee:
                grassroots_committees.append((grassroots, c_kind))

    # Cells: the partial committees sit in the first grassroots committees of the bloc and the
    # police; every other cell is spread evenly over the grassroots committees.
    hosts = [g for g, k in grassroots_committees if k in (Kind.BLOC, Kind.POLICE)][:PARTIAL_COMMITTEES]
    direct = TOTAL_CELLS - PARTIAL_COMMITTEES * CELLS_PER_PARTIAL_COMMITTEE
    for (grassroots, c_kind), n_cells in zip(grassroots_committees, _spread(direct, len(grassroots_committees))):
        residential = c_kind in (Kind.DISTRICT, Kind.CITY)
        for i in range(1, n_cells + 1):
            if residential:
                area_word = "Tổ dân phố" if c_kind == Kind.CITY else "Xóm"
                area_name = f"{AREA_STEMS[i % len(AREA_STEMS)]} {i}"
                cell = builder.add(
                    grassroots,
                    code=f"{grassroots.code}.{i:02d}",
                    name=f"Chi bộ {area_word.lower()} {area_name}",
                    kind=Kind.CELL,
                    disadvantaged_area=grassroots.disadvantaged_area,
                )
                area_kind = ResidentialArea.AreaKind.TO_DAN_PHO if c_kind == Kind.CITY else ResidentialArea.AreaKind.XOM
                builder.areas.append(ResidentialArea(name=area_name, kind=area_kind, grassroots=grassroots, cell=cell))
            else:
                builder.add(
                    grassroots,
                    code=f"{grassroots.code}.{i:02d}",
                    name=f"Chi bộ {i} — {grassroots.name}",
                    kind=Kind.CELL,
                )
        if residential:
            # A hamlet that shares a neighbour's cell (sinh hoạt ghép) and one with no member yet.
            builder.areas.append(
                ResidentialArea(
                    name=f"Bản {grassroots.code[-3:]} ghép", kind=ResidentialArea.AreaKind.BAN, grassroots=grassroots
                )
            )
    for p, host in enumerate(hosts, start=1):
        partial = builder.add(
            host, code=f"{host.code}.P{p}", name=f"Đảng bộ bộ phận {p} — {host.name}", kind=Kind.PARTIAL_COMMITTEE
        )
        for i in range(1, CELLS_PER_PARTIAL_COMMITTEE + 1):
            builder.add(partial, code=f"{partial.code}.{i:02d}", name=f"Chi bộ {i} — {partial.name}", kind=Kind.CELL)
    return province


@transaction.atomic
def seed_tree(scale: int = 1) -> list[Organization]:
    """Build the demo province (and, for benchmarks, ``scale - 1`` more like it). Idempotent."""
    if Organization.objects.filter(code=PROVINCE_CODE).exists():
        return list(Organization.objects.filter(depth=1))
    builder = Builder()
    first_free = (Organization.objects.filter(depth=1).count() or 0) + 1
    provinces = [build_province(builder, first_free, PROVINCE_CODE, "Đảng bộ tỉnh Hòa Bình")]
    for i in range(2, scale + 1):
        provinces.append(build_province(builder, first_free + i - 1, f"P{i:02d}", f"Đảng bộ tỉnh mô phỏng {i:02d}"))
    counts = compute_descendant_counts((n.path, n.kind) for n in builder.nodes)
    for node in builder.nodes:  # bulk_create does not call save(): fill the derived fields here
        node.name_search = fold(node.name)
        node.descendant_counts = counts[node.path]
    Organization.objects.bulk_create(builder.nodes, batch_size=2000)
    saved = dict(
        Organization.objects.filter(code__in=[a.grassroots.code for a in builder.areas]).values_list("code", "pk")
    )
    cells = dict(
        Organization.objects.filter(code__in=[a.cell.code for a in builder.areas if a.cell]).values_list("code", "pk")
    )
    for area in builder.areas:
        area.grassroots_id = saved[area.grassroots.code]
        area.cell_id = cells[area.cell.code] if area.cell else None
    ResidentialArea.objects.bulk_create(builder.areas, batch_size=2000)
    roots = list(Organization.objects.filter(code__in=[p.code for p in provinces]))
    ancestry.build_for_roots(roots)  # the dated tree the roll-ups join (organizations.ancestry)
    return roots


def seed_trees(scale: int = 1) -> list[Organization]:
    """Hòa Bình (and the ``--scale`` copies), then old Phú Thọ and Vĩnh Phúc (``demo.provinces``)."""
    from demo import provinces

    roots = seed_tree(scale)
    provinces.seed_trees()
    return roots


def demo_account_orgs() -> dict[str, Organization]:
    """Where each demo account works: before the reform Hòa Bình's province, city, ward and cell;
    after it Phú Thọ (``PT``), the ward committee now holding the former cells of Đảng bộ phường
    Hợp Thành, the same grassroots organisation and the same cell (ids kept)."""
    secretary = Organization.objects.get(code=f"{PROVINCE_CODE}.TP.001.01")
    grassroots = Organization.objects.get(code=f"{PROVINCE_CODE}.TP.001")
    hb = Organization.objects.get(code=PROVINCE_CODE)
    merged = Organization.objects.filter(code="PT").first() if hb.valid_to else None  # after the reform
    province = merged or hb
    district = Organization.objects.get(path=secretary.path[: 2 * Organization.steplen])
    return {"province": province, "district": district, "grassroots": grassroots, "secretary": secretary}


# The table of the README and of the login page's hint.
ACCOUNT_TABLE = [
    (
        "province",
        "Văn phòng, Ban Tổ chức Tỉnh ủy",
        "Đảng bộ tỉnh Phú Thọ (PT); lịch sử của Hòa Bình, Phú Thọ cũ, Vĩnh Phúc",
    ),
    (
        "district",
        "Cán bộ cấp ủy cấp trên trực tiếp cơ sở",
        "Đảng bộ phường Hòa Bình (nơi có các chi bộ của phường Hợp Thành cũ)",
    ),
    ("grassroots", "Cán bộ đảng ủy cơ sở", "Đảng bộ phường Hợp Thành (HB.TP.001), nay thuộc Đảng bộ phường Hòa Bình"),
    ("secretary", "Bí thư chi bộ", "Chi bộ tổ dân phố Mít 1 (HB.TP.001.01), cùng chi bộ, cùng mã"),
    ("capuy", "Cấp ủy viên theo dõi cơ sở", "Ủy viên Đảng ủy phường Hòa Bình"),
    ("admin", "Quản trị hệ thống", "toàn bộ cây tổ chức (/admin/)"),
]


@transaction.atomic
def seed_accounts() -> list[tuple[str, str, Organization]]:
    User = get_user_model()
    orgs = demo_account_orgs()
    accounts = []
    for username, role in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(username=username)
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        Role.objects.get_or_create(user=user, organization=orgs[username], kind=role)
        accounts.append((username, Role.Kind(role).label, orgs[username]))
    admin, created = User.objects.get_or_create(username="admin", defaults={"is_staff": True, "is_superuser": True})
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save()
    Role.objects.get_or_create(user=admin, organization=orgs["province"], kind=Role.Kind.ADMIN)
    accounts.append(("admin", Role.Kind.ADMIN.label, orgs["province"]))
    name_demo_accounts()
    return accounts
