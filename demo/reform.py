"""The 2025 reform in the demo: on 01/07/2025 Hòa Bình, old Phú Thọ and Vĩnh Phúc become the new
Phú Thọ province, with no district level, through the restructuring services
(``organizations.restructure``), never by bulk SQL: every operation is dated, recorded with its
decision and carried by the floors above (roles, committee members, follow-up, thresholds...).

In order, all effective 01/07/2025:
1. the new root ``PT`` (a decision of the Politburo);
2. the 148 commune and ward committees (kind ``commune``, their real names from
   ``demo/data/phu_tho_communes_2025.csv``) and the two bloc committees (the province's party
   agencies, the provincial People's Committee), by decisions of the new provincial committee;
3. every former district-level committee split among the communes made from it: its grassroots
   organisations (with their cells, ids kept) move whole under the commune that takes them, and
   it ends with successions to each; the bloc of agencies and enterprises split between the two
   new blocs; the military and the police committees of the three provinces merged into one each;
4. last, the three old roots absorbed into ``PT`` (their roles and thresholds go to it).

The result: 152 committees directly under ``PT`` (148 + 4), 2,166 grassroots organisations (558
grassroots committees, 1,608 grassroots cells), as published (``reform_2025``).
"""

import csv
import datetime
import time
from pathlib import Path

from django.db import transaction

from organizations.models import Kind, Organization
from organizations.restructure import decision_new, org_create, org_merge, org_split

D = datetime.date
REFORM = D(2025, 7, 1)
CODE = "PT"
NAME = "Đảng bộ tỉnh Phú Thọ"
OLD_ROOTS = ("HB", "PTC", "VP")
COMMUNES_CSV = Path(__file__).parent / "data" / "phu_tho_communes_2025.csv"
# Wards go to the former towns and cities they were made from; the first listed takes the
# first grassroots organisations (Đảng bộ phường Hợp Thành, HB.TP.001, goes to phường Hòa Bình).
WARDS = {
    "HB.TP": ["Phường Hòa Bình", "Phường Thống Nhất", "Phường Tân Hòa", "Phường Kỳ Sơn"],
    "PTC.VT": ["Phường Việt Trì", "Phường Nông Trang", "Phường Thanh Miếu", "Phường Vân Phú"],
    "PTC.PTX": ["Phường Phú Thọ", "Phường Phong Châu", "Phường Âu Cơ"],
    "VP.VY": ["Phường Vĩnh Yên", "Phường Vĩnh Phúc"],
    "VP.PY": ["Phường Phúc Yên", "Phường Xuân Hòa"],
}
BLOCS = [
    ("CQD", "Đảng bộ các cơ quan Đảng tỉnh"),
    ("UBND", "Đảng bộ Ủy ban nhân dân tỉnh"),
]
MERGED = [
    ("QS", "Đảng bộ Quân sự tỉnh", Kind.MILITARY),
    ("CA", "Đảng bộ Công an tỉnh", Kind.POLICE),
]


def communes() -> list[dict]:
    with COMMUNES_CSV.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def committee_name(row: dict) -> str:
    """ "Xã An Bình" → "Đảng bộ xã An Bình"; "Phường Hòa Bình" → "Đảng bộ phường Hòa Bình"."""
    word, rest = row["name"].split(" ", 1)
    return f"Đảng bộ {word.lower()} {rest}"


def _largest_remainder(total: int, weights: list[float], minimum: int) -> list[int]:
    parts = [minimum] * len(weights)
    left = total - minimum * len(weights)
    raw = [left * w / sum(weights) for w in weights]
    extra = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - extra[i], reverse=True)[: left - sum(extra)]:
        extra[i] += 1
    return [p + e for p, e in zip(parts, extra)]


def plan() -> dict[str, list[str]]:
    """Former district-level committee code → the names of the communes and wards made from it,
    in the order they take its grassroots organisations."""
    rows = communes()
    out: dict[str, list[str]] = {}
    for province in OLD_ROOTS:
        root = Organization.objects.get(code=province)
        districts = [
            o
            for o in Organization.objects.get_children(root).filter(kind__in=[Kind.DISTRICT, Kind.CITY])
            if o.valid_to is None
        ]
        names = [r["name"] for r in rows if r["former_province"] == province]
        wards = {code: ws for code, ws in WARDS.items() if code.split(".")[0] == province}
        placed = {w for ws in wards.values() for w in ws}
        missing = [r["name"] for r in rows if r["former_province"] == province and r["kind"] == "phuong"]
        assert set(missing) == placed, (province, set(missing) ^ placed)
        rural = [d for d in districts if d.code not in wards]
        villages = [n for n in names if n not in placed]
        sizes = _largest_remainder(len(villages), [Organization.objects.get_children(d).count() for d in rural], 2)
        it = iter(villages)
        for d in districts:
            out[d.code] = list(wards[d.code]) if d.code in wards else [next(it) for _ in range(sizes[rural.index(d)])]
    return out


def _blocks(children: list, n: int) -> dict[int, int]:
    """Children (in path order) → successor index, in contiguous blocks as even as can be."""
    out = {}
    for i, child in enumerate(children):
        out[child.pk] = i * n // len(children)
    return out


def seed_reform(log=None) -> int:
    """Carry out the reform (see the module's docstring). Idempotent: nothing if ``PT`` exists.
    Returns the number of operations recorded."""
    log = log or (lambda text: None)
    if Organization.objects.filter(code=CODE).exists():
        return 0
    if not all(Organization.objects.filter(code=c).exists() for c in OLD_ROOTS):
        return 0
    with transaction.atomic():
        return _reform(log)


def _reform(log) -> int:
    t0 = time.perf_counter()
    operations = 0
    central = decision_new(
        number="01-QĐ/TW",
        date=D(2025, 6, 30),
        issuer_name="Bộ Chính trị",
        title="Thành lập Đảng bộ tỉnh Phú Thọ trên cơ sở hợp nhất Đảng bộ các tỉnh Phú Thọ, Vĩnh Phúc, Hòa Bình "
        "(dữ liệu mẫu)",
    )
    province = org_create(
        parent=None, code=CODE, name=NAME, kind=Kind.PROVINCE, decision=central, effective_date=REFORM
    ).operation.organization
    operations += 1
    founding = decision_new(
        number="01-QĐ/TU",
        date=REFORM,
        issued_by=province,
        title="Thành lập các đảng bộ xã, phường và đảng bộ trực thuộc Tỉnh ủy (dữ liệu mẫu)",
    )
    by_name = {}
    for i, row in enumerate(communes(), start=1):
        org = org_create(
            parent=province,
            code=f"{CODE}.{i:03d}",
            name=committee_name(row),
            kind=Kind.COMMUNE,
            decision=founding,
            effective_date=REFORM,
        ).operation.organization
        by_name[row["name"]] = org
        operations += 1
    blocs = []
    for suffix, name in BLOCS:
        blocs.append(
            org_create(
                parent=province,
                code=f"{CODE}.{suffix}",
                name=name,
                kind=Kind.BLOC,
                decision=founding,
                effective_date=REFORM,
            ).operation.organization
        )
        operations += 1
    log(f"    {operations} tổ chức thành lập: {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    transfer = decision_new(
        number="02-QĐ/TU",
        date=REFORM,
        issued_by=province,
        title="Chuyển giao các tổ chức cơ sở đảng về các đảng bộ xã, phường, đảng bộ trực thuộc (dữ liệu mẫu)",
    )
    for district_code, names in plan().items():
        district = Organization.objects.get(code=district_code)
        children = list(Organization.objects.get_children(district).filter(valid_to__isnull=True))
        successors = [by_name[n] for n in names]
        org_split(
            district,
            successors=successors,
            children=_blocks(children, len(successors)),
            decision=transfer,
            effective_date=REFORM,
        )
        operations += 1
    for root_code in OLD_ROOTS:
        bloc = Organization.objects.get(code=f"{root_code}.KH")
        children = list(Organization.objects.get_children(bloc).filter(valid_to__isnull=True))
        org_split(
            bloc,
            successors=blocs,
            children={c.pk: i % 2 for i, c in enumerate(children)},
            decision=transfer,
            effective_date=REFORM,
        )
        operations += 1
    for suffix, name, kind in MERGED:
        org_merge(
            [Organization.objects.get(code=f"{root}.{suffix}") for root in OLD_ROOTS],
            new={
                "parent": province,
                "code": f"{CODE}.{suffix}",
                "name": name,
                "kind": kind,
                "can_decide_admission": True,
            },
            decision=transfer,
            effective_date=REFORM,
        )
        operations += 1
    log(f"    các huyện, khối, quân sự, công an: {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    org_merge(
        [Organization.objects.get(code=c) for c in OLD_ROOTS],
        into=Organization.objects.get(code=CODE),
        decision=central,
        effective_date=REFORM,
    )
    operations += 1
    log(f"    ba đảng bộ tỉnh cũ vào {CODE}: {time.perf_counter() - t0:.1f} s")
    return operations


def seeded_scale() -> int:
    """How many copies of Hòa Bình (``seed_demo --scale N``) the database holds: its provinces
    besides the reform demo's old Phú Thọ, Vĩnh Phúc and today's Phú Thọ (0: not seeded yet)."""
    return Organization.objects.filter(depth=1).exclude(code__in=(*OLD_ROOTS[1:], CODE)).count()
