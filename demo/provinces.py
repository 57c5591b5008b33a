"""The two other former provinces of Phú Thọ: old Phú Thọ (``PTC``) and Vĩnh Phúc (``VP``), from
2016 to 30/06/2025, at a plausible size (nothing of them is published in detail).

- The tree is built like Hòa Bình's (``demo.tree``): the real district-level committees of each
  province, the bloc of agencies and enterprises, the military and the police, with grassroots
  organisations and cells. Together with Hòa Bình they hold the 2,166 grassroots organisations
  the merged province has on 01/07/2025 (558 grassroots committees and 1,608 grassroots cells:
  the reform moves them whole, ``demo.reform``).
- The register is generated in bulk inside the database, the way ``demo.scale`` copies: Hòa
  Bình's members, with their events, periods and flow facts, are copied onto the province's cells
  (each Hòa Bình organisation mapped to one of the province at the same rank), a whole copy and a
  part of a second one (memberships picked by a hash of their id), so that the three provinces
  hold about 256,000 members on 01/07/2025. Names and dates repeat Hòa Bình's; national ids get
  the province's own prefix. The cells' balances are computed from the copied periods.
"""

import hashlib
import time

from django.db import connection, transaction
from django.db.models import Max

from demo.copying import copy_sql
from demo.tree import Builder
from members.models import MemberBalance, MemberFlowFact, Membership, MembershipEvent, MembershipPeriod, Person
from organizations import ancestry
from organizations.models import CELL_KINDS, GRASSROOTS_KINDS, Kind, Organization
from organizations.services import compute_descendant_counts
from partydev.text import fold

# (code suffix, name, kind, weight among the province's district-level committees)
PROVINCES = {
    "PTC": {
        "name": "Đảng bộ tỉnh Phú Thọ (trước 01/07/2025)",
        "place": "tỉnh Phú Thọ",
        "abbreviation": "TU",
        "committees": [
            ("VT", "Đảng bộ thành phố Việt Trì", Kind.CITY, 1.6),
            ("PTX", "Đảng bộ thị xã Phú Thọ", Kind.CITY, 0.7),
            ("DH", "Đảng bộ huyện Đoan Hùng", Kind.DISTRICT, 1.0),
            ("HH", "Đảng bộ huyện Hạ Hòa", Kind.DISTRICT, 1.0),
            ("TBA", "Đảng bộ huyện Thanh Ba", Kind.DISTRICT, 1.0),
            ("PN", "Đảng bộ huyện Phù Ninh", Kind.DISTRICT, 0.9),
            ("YL", "Đảng bộ huyện Yên Lập", Kind.DISTRICT, 0.8),
            ("CK", "Đảng bộ huyện Cẩm Khê", Kind.DISTRICT, 1.1),
            ("TNO", "Đảng bộ huyện Tam Nông", Kind.DISTRICT, 0.8),
            ("LTH", "Đảng bộ huyện Lâm Thao", Kind.DISTRICT, 0.9),
            ("TSO", "Đảng bộ huyện Thanh Sơn", Kind.DISTRICT, 1.0),
            ("TTH", "Đảng bộ huyện Thanh Thủy", Kind.DISTRICT, 0.8),
            ("TSN", "Đảng bộ huyện Tân Sơn", Kind.DISTRICT, 0.8),
        ],
        # grassroots committees and grassroots cells of the district-level committees together,
        # then of the bloc, the military and the police (grassroots, of which committees)
        "district_level": (730, 115),
        "others": [
            ("KH", "Đảng bộ Khối các cơ quan và doanh nghiệp tỉnh Phú Thọ", Kind.BLOC, 150, 25),
            ("QS", "Đảng bộ Quân sự tỉnh Phú Thọ", Kind.MILITARY, 30, 10),
            ("CA", "Đảng bộ Công an tỉnh Phú Thọ", Kind.POLICE, 30, 10),
        ],
        "id_prefixes": ("025", "035"),
        "copies": (1.0, 0.48),
    },
    "VP": {
        "name": "Đảng bộ tỉnh Vĩnh Phúc",
        "place": "tỉnh Vĩnh Phúc",
        "abbreviation": "TU",
        "committees": [
            ("VY", "Đảng bộ thành phố Vĩnh Yên", Kind.CITY, 1.3),
            ("PY", "Đảng bộ thành phố Phúc Yên", Kind.CITY, 1.0),
            ("LTA", "Đảng bộ huyện Lập Thạch", Kind.DISTRICT, 1.0),
            ("TDU", "Đảng bộ huyện Tam Dương", Kind.DISTRICT, 0.9),
            ("TDA", "Đảng bộ huyện Tam Đảo", Kind.DISTRICT, 0.8),
            ("BXU", "Đảng bộ huyện Bình Xuyên", Kind.DISTRICT, 1.0),
            ("YLA", "Đảng bộ huyện Yên Lạc", Kind.DISTRICT, 1.0),
            ("VTU", "Đảng bộ huyện Vĩnh Tường", Kind.DISTRICT, 1.2),
            ("SLO", "Đảng bộ huyện Sông Lô", Kind.DISTRICT, 0.8),
        ],
        "district_level": (556, 83),
        "others": [
            ("KH", "Đảng bộ Khối các cơ quan và doanh nghiệp tỉnh Vĩnh Phúc", Kind.BLOC, 110, 20),
            ("QS", "Đảng bộ Quân sự tỉnh Vĩnh Phúc", Kind.MILITARY, 25, 8),
            ("CA", "Đảng bộ Công an tỉnh Vĩnh Phúc", Kind.POLICE, 25, 8),
        ],
        "id_prefixes": ("026", "036"),
        "copies": (1.0, 0.16),
    },
}
CELLS_PER_COMMITTEE = 12
UNIT_STEMS = [
    "Trường Mầm non",
    "Trường Tiểu học",
    "Trường THCS",
    "Trạm Y tế",
    "Công an",
    "Quân sự",
    "Hợp tác xã",
    "Công ty TNHH",
    "Chi nhánh Ngân hàng",
    "Trung tâm Văn hóa",
    "Phòng Giáo dục",
    "Bảo hiểm xã hội",
]
VILLAGE_WORDS = ["Khu", "Thôn", "Xóm", "Khu dân cư"]
OLD_COMMUNE_STEMS = [
    "Hùng Lô",
    "Kim Đức",
    "Phượng Lâu",
    "Trưng Vương",
    "Sông Lô",
    "Thụy Vân",
    "Chu Hóa",
    "Thanh Đình",
    "Hy Cương",
    "Tiên Kiên",
    "Xuân Huy",
    "Xuân Lũng",
    "Cao Xá",
    "Vĩnh Lại",
    "Liên Hoa",
    "Lệ Mỹ",
    "Phú Mỹ",
    "Tứ Xã",
    "Sơn Vi",
    "Phùng Nguyên",
    "Tiên Phú",
    "Trung Giáp",
    "Trạm Thản",
    "Đồng Thịnh",
    "Hợp Lý",
    "Bồ Lý",
    "Đạo Trù",
    "Yên Dương",
    "Đại Đình",
    "Tam Quan",
    "Hồ Sơn",
    "Hợp Châu",
    "Kim Long",
    "Hướng Đạo",
    "Đạo Tú",
    "An Hòa",
    "Hoàng Hoa",
    "Đồng Tĩnh",
    "Tân Phong",
    "Liên Châu",
    "Đại Tự",
    "Hồng Châu",
    "Trung Kiên",
    "Yên Phương",
    "Tam Hồng",
    "Tề Lỗ",
    "Đồng Văn",
    "Nguyệt Đức",
]


def _grassroots_counts(total: int, committees: int, weights: list[float]) -> list[int]:
    raw = [total * w / sum(weights) for w in weights]
    out = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)[: total - sum(out)]:
        out[i] += 1
    return out


def build_province(builder: Builder, root_index: int, code: str) -> Organization:
    spec = PROVINCES[code]
    province = builder.add(None, root_index=root_index, code=code, name=spec["name"], kind=Kind.PROVINCE)
    weights = [w for *_, w in spec["committees"]]
    n_grassroots, n_committees = spec["district_level"]
    grassroots_per = _grassroots_counts(n_grassroots, len(weights), weights)
    committees_per = _grassroots_counts(n_committees, len(weights), weights)
    rows = [(s, n, k, g, c) for (s, n, k, _), g, c in zip(spec["committees"], grassroots_per, committees_per)]
    rows += spec["others"]
    stem = 0
    for c_index, (suffix, c_name, c_kind, n_g, n_c) in enumerate(rows):
        committee = builder.add(
            province,
            code=f"{code}.{suffix}",
            name=c_name,
            kind=c_kind,
            can_decide_admission=True,
            disadvantaged_area=c_kind == Kind.DISTRICT and c_index % 3 == 0,
        )
        place = c_name.replace("Đảng bộ ", "")
        for g in range(1, n_g + 1):
            is_committee = g <= n_c
            if c_kind in (Kind.DISTRICT, Kind.CITY) and is_committee:
                word = "phường" if c_kind == Kind.CITY else "xã"
                g_name = f"Đảng bộ {word} {OLD_COMMUNE_STEMS[stem % len(OLD_COMMUNE_STEMS)]}"
                if stem >= len(OLD_COMMUNE_STEMS):
                    g_name += f" {stem // len(OLD_COMMUNE_STEMS) + 1}"
                stem += 1
            elif is_committee:
                g_name = f"Đảng bộ {UNIT_STEMS[(g + c_index) % len(UNIT_STEMS)]} số {g} — {place}"
            else:
                g_name = f"Chi bộ {UNIT_STEMS[(g * 5 + c_index) % len(UNIT_STEMS)]} số {g} — {place}"
            grassroots = builder.add(
                committee,
                code=f"{code}.{suffix}.{g:03d}",
                name=g_name,
                kind=Kind.GRASSROOTS_COMMITTEE if is_committee else Kind.GRASSROOTS_CELL,
                disadvantaged_area=committee.disadvantaged_area,
            )
            if not is_committee:
                continue
            for i in range(1, CELLS_PER_COMMITTEE + 1):
                if c_kind in (Kind.DISTRICT, Kind.CITY):
                    cell_name = f"Chi bộ {VILLAGE_WORDS[(g + i) % len(VILLAGE_WORDS)].lower()} {i}"
                else:
                    cell_name = f"Chi bộ {i} — {g_name}"
                builder.add(grassroots, code=f"{grassroots.code}.{i:02d}", name=cell_name, kind=Kind.CELL)
    return province


@transaction.atomic
def seed_trees() -> list[Organization]:
    """The trees of ``PTC`` and ``VP``, as they stood until 30/06/2025. Idempotent."""
    todo = [code for code in PROVINCES if not Organization.objects.filter(code=code).exists()]
    if not todo:
        return []
    builder = Builder()
    last = Organization.objects.filter(depth=1).order_by("-path").values_list("path", flat=True).first()
    first_free = (int(last, 36) if last else 0) + 1
    for i, code in enumerate(todo):
        build_province(builder, first_free + i, code)
    counts = compute_descendant_counts((n.path, n.kind) for n in builder.nodes)
    for node in builder.nodes:
        node.name_search = fold(node.name)
        node.descendant_counts = counts[node.path]
    Organization.objects.bulk_create(builder.nodes, batch_size=2000)
    roots = list(Organization.objects.filter(code__in=todo))
    ancestry.build_for_roots(roots)
    return roots


# --- the register, copied from Hòa Bình's inside the database ---------------------------------------

MAP = "demo_orgmap"


def _rank_lists(root: Organization) -> dict[str, list[int]]:
    """The province's organisations by rank: cells, grassroots, committees, root (ids in path order)."""
    out: dict[str, list[int]] = {"cell": [], "grassroots": [], "committee": [], "root": []}
    for pk, kind, depth in (
        Organization.objects.filter(path__startswith=root.path).order_by("path").values_list("id", "kind", "depth")
    ):
        if kind in CELL_KINDS:
            out["cell"].append(pk)
        if kind in GRASSROOTS_KINDS:
            out["grassroots"].append(pk)
        if depth == 2:
            out["committee"].append(pk)
        if depth == 1:
            out["root"].append(pk)
    return out


def _mapping(source: dict[str, list[int]], target: dict[str, list[int]], shift: int) -> list[tuple[int, int]]:
    """Each source organisation → the target one at the same rank (cycled, shifted)."""
    pairs = {}
    for rank in ("root", "committee", "grassroots", "cell"):
        tgt = target[rank]
        for i, pk in enumerate(source[rank]):
            pairs.setdefault(pk, tgt[(i + shift) % len(tgt)])
    return list(pairs.items())


def _picked(share: float, salt: str) -> str:
    """A deterministic SQL condition picking about ``share`` of the memberships (``src.id``)."""
    if share >= 1:
        return "1 = 1"
    modulus = 1000
    offset = int(hashlib.sha256(salt.encode()).hexdigest(), 16) % modulus
    return f"((src.id * 7919 + {offset}) % {modulus}) < {int(share * modulus)}"


def copy_register(code: str, log=None) -> int:
    """Copy Hòa Bình's register onto province ``code`` (see the module's docstring). Returns the
    memberships copied (0 when the province already has members)."""
    log = log or (lambda text: None)
    root = Organization.objects.get(code=code)
    hb = Organization.objects.get(code="HB")
    if hb.valid_to is not None:  # after the reform: Hòa Bình's cells are no longer under it
        return 0
    if Membership.objects.filter(cell__code__startswith=f"{code}.").exists():
        return 0
    q = connection.ops.quote_name
    src_ranks, tgt_ranks = _rank_lists(hb), _rank_lists(root)
    if not all(tgt_ranks.values()):
        return 0  # a province without its tree (a test's bare root)
    spec = PROVINCES[code]
    membership_t, event_t, period_t, flow_t, person_t = (
        q(m._meta.db_table) for m in (Membership, MembershipEvent, MembershipPeriod, MemberFlowFact, Person)
    )
    copied = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {MAP}")
        cursor.execute(f"CREATE TEMPORARY TABLE {MAP} (old_id bigint PRIMARY KEY, new_id bigint NOT NULL)")
        cursor.execute("DROP TABLE IF EXISTS demo_hb_cells")
        cursor.execute("CREATE TEMPORARY TABLE demo_hb_cells (id bigint PRIMARY KEY)")
        cursor.executemany("INSERT INTO demo_hb_cells (id) VALUES (%s)", [(pk,) for pk in src_ranks["cell"]])
        for n, (share, prefix) in enumerate(zip(spec["copies"], spec["id_prefixes"])):
            t0 = time.perf_counter()
            cursor.execute(f"DELETE FROM {MAP}")
            cursor.executemany(
                f"INSERT INTO {MAP} (old_id, new_id) VALUES (%s, %s)", _mapping(src_ranks, tgt_ranks, shift=n * 37)
            )
            # The memberships copied: HB's, picked by a hash of their id (whole histories).
            cursor.execute("DROP TABLE IF EXISTS demo_pick")
            cursor.execute(
                f"CREATE TEMPORARY TABLE demo_pick AS SELECT src.id AS id, src.person_id AS person_id FROM "
                f"{membership_t} src WHERE src.cell_id IN (SELECT id FROM demo_hb_cells) AND {_picked(share, code + prefix)}"
            )
            offsets = {}
            for model in (Person, Membership, MembershipEvent, MembershipPeriod, MemberFlowFact):
                offsets[model] = model.objects.aggregate(m=Max("id"))["m"] or 0
            conditions = {
                Person: "src.id IN (SELECT person_id FROM demo_pick)",
                Membership: "src.id IN (SELECT id FROM demo_pick)",
                MembershipEvent: "src.membership_id IN (SELECT id FROM demo_pick)",
                MembershipPeriod: "src.membership_id IN (SELECT id FROM demo_pick)",
                MemberFlowFact: "src.membership_id IN (SELECT id FROM demo_pick)",
            }
            rows = 0
            for model, condition in conditions.items():
                sql = copy_sql(
                    model,
                    source=q(model._meta.db_table),
                    mapping=MAP,
                    offsets={m: str(int(o)) for m, o in offsets.items()},
                )
                cursor.execute(f"{sql} WHERE {condition}", {"prefix": prefix})
                rows += cursor.rowcount
                if model is Membership:
                    copied += cursor.rowcount
            log(
                f"    {code} bản {n + 1}: " + f"{rows:,}".replace(",", ".") + f" dòng, {time.perf_counter() - t0:.1f} s"
            )
        for name in (MAP, "demo_hb_cells", "demo_pick"):
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(
            no_style(), [Person, Membership, MembershipEvent, MembershipPeriod, MemberFlowFact]
        ):
            cursor.execute(sql)
    rebalance(root)
    return copied


def rebalance(root: Organization | None = None, cell_ids=None, since_year: int | None = None) -> int:
    """The cells' balances (``MemberBalance``) computed again from their periods, as
    ``members.facts.balances_from_periods`` does but counted in the database: under ``root``, or
    the cells given. ``since_year``: only the rows of that year and later are rewritten (every
    change was dated in the year before it or later). Returns the cells written."""
    if cell_ids is None and root is not None:
        cell_ids = list(
            Organization.objects.filter(path__startswith=root.path, kind__in=CELL_KINDS).values_list("id", flat=True)
        )
    q = connection.ops.quote_name
    if connection.vendor == "sqlite":
        start_year, end_year = 'CAST(substr("start", 1, 4) AS integer)', 'CAST(substr("end", 1, 4) AS integer)'
    else:
        start_year, end_year = 'EXTRACT(YEAR FROM "start")::int', 'EXTRACT(YEAR FROM "end")::int'
    where = "" if cell_ids is None else "AND cell_id IN (SELECT id FROM demo_cells)"
    # A period adds one member to the years Y with start.year < Y <= end.year (members.facts).
    delta: dict[int, dict[int, list[int]]] = {}
    horizon: dict[int, int] = {}
    table = q(MembershipPeriod._meta.db_table)
    with connection.cursor() as cursor:
        if cell_ids is not None:
            cursor.execute("DROP TABLE IF EXISTS demo_cells")
            cursor.execute("CREATE TEMPORARY TABLE demo_cells (id bigint PRIMARY KEY)")
            cursor.executemany("INSERT INTO demo_cells (id) VALUES (%s)", [(c,) for c in cell_ids])
        kept = f'("end" IS NULL OR {end_year} > {start_year})'
        cursor.execute(
            f"SELECT cell_id, status, {start_year} + 1, COUNT(*) FROM {table} WHERE {kept} {where} "
            "GROUP BY cell_id, status, 3"
        )
        for cell, status, first, n in cursor.fetchall():
            delta.setdefault(cell, {}).setdefault(first, [0, 0])[status != "official"] += n
            horizon[cell] = max(horizon.get(cell, first), first)
        cursor.execute(
            f'SELECT cell_id, status, {end_year} + 1, COUNT(*) FROM {table} WHERE "end" IS NOT NULL AND {kept} '
            f"{where} GROUP BY cell_id, status, 3"
        )
        for cell, status, after, n in cursor.fetchall():
            delta[cell].setdefault(after, [0, 0])[status != "official"] -= n
            horizon[cell] = max(horizon[cell], after)
    # With ``since_year``, a cell's rows are written again from its old last row on (the years
    # after it had none: they read the last row, which may no longer be the last).
    first_written: dict[int, int] = {}
    if since_year is not None:
        old_last = MemberBalance.objects.filter(is_last=True, year__lt=since_year)
        if cell_ids is not None:
            old_last = old_last.filter(cell_id__in=cell_ids)
        first_written = dict(old_last.values_list("cell_id", "year"))
    rows = []
    for cell, by_year in delta.items():
        y0 = None if since_year is None else first_written.get(cell, since_year)
        running = [0, 0]
        top = horizon[cell]
        for year in range(min(by_year), top + 1):
            change = by_year.get(year)
            if change:
                running[0] += change[0]
                running[1] += change[1]
            if (running[0] or running[1] or year == top) and (y0 is None or year >= y0):
                rows.append((cell, year, running[0], running[1], year == top))
    with transaction.atomic():
        with connection.cursor() as cursor:
            balance = q(MemberBalance._meta.db_table)
            conditions = [] if cell_ids is None else ["cell_id IN (SELECT id FROM demo_cells)"]
            if since_year is not None:
                conditions.append(f"year >= {int(since_year)}")
            where_rows = f" WHERE {' AND '.join(conditions)}" if conditions else ""
            cursor.execute(f"DELETE FROM {balance}{where_rows}")
            if since_year is not None:  # the old last rows, written again above
                cursor.execute("DROP TABLE IF EXISTS demo_later")
                cursor.execute("CREATE TEMPORARY TABLE demo_later (id bigint PRIMARY KEY)")
                cursor.executemany("INSERT INTO demo_later (id) VALUES (%s)", [(c,) for c in first_written])
                cursor.execute(
                    f"DELETE FROM {balance} WHERE is_last = %s AND year < {int(since_year)} "
                    "AND cell_id IN (SELECT id FROM demo_later)",
                    [True],
                )
        from demo.members import _insert

        _insert(MemberBalance, ["cell_id", "year", "official", "probationary", "is_last"], rows)
        from django.core.management.color import no_style

        with connection.cursor() as cursor:  # explicit ids: PostgreSQL's sequence must follow
            for sql in connection.ops.sequence_reset_sql(no_style(), [MemberBalance]):
                cursor.execute(sql)
    return len(delta)


def seed_registers(log=None) -> int:
    """Both provinces' registers (after Hòa Bình's). Idempotent."""
    return sum(copy_register(code, log) for code in PROVINCES)
