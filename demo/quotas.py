"""Demo quotas for 2016–2023, consistent with ``published-figures.json``.

The 10 district-level committees (children of the province of kind district or city) get
targets that add up to 12,410 over 2016–2022, 1,260 in 2021 and 1,390 in 2022; the province's
own target is the sum of its 13 committees' every year, 2,082 in 2023. Below each committee
the target is spread over the grassroots organisations (a little over-allocated, as districts
do), and each grassroots committee's over its cells and partial committees. A few
organisations are deliberately under-allocated (their children's quotas add up to less than
their own target) so that the flag has something to show.

Deterministic (weights from the tree, a seeded jitter), bulk-loaded, idempotent.
"""

import math
import random
from collections import defaultdict

from django.db import transaction

from members.quotas.models import Quota
from organizations.models import DISTRICT_LEVEL_KINDS, Organization

PROVINCE_CODE = "HB"
YEARS = range(2016, 2026)
# The 10 district-level committees together, per year: 12,410 over 2016–2022. 2024 and 2025:
# set by Hòa Bình too (the merged province's 2025 is the sum of the three former ones').
DISTRICT_LEVEL_TOTALS = {
    2016: 1900,
    2017: 1930,
    2018: 1960,
    2019: 1980,
    2020: 1990,
    2021: 1260,
    2022: 1390,
    2023: 1820,
    2024: 1450,
    2025: 1300,
}
# The bloc, the military and the police committees together (province 2023: 1,820 + 262 = 2,082).
OTHER_COMMITTEES_TOTALS = {
    2016: 230,
    2017: 230,
    2018: 235,
    2019: 240,
    2020: 240,
    2021: 190,
    2022: 200,
    2023: 262,
    2024: 230,
    2025: 200,
}
# The two other former provinces (district-level, others) per year, 2016–2025.
OTHER_PROVINCES = {
    "PTC": {**{y: (1150 + 10 * (y - 2016), 180) for y in range(2016, 2024)}, 2024: (1150, 170), 2025: (1000, 150)},
    "VP": {**{y: (920 + 8 * (y - 2016), 150) for y in range(2016, 2024)}, 2024: (920, 140), 2025: (800, 130)},
}
# The merged province from 2026: its committees together, per year.
MERGED_CODE = "PT"
MERGED_TOTALS = {2026: 3550, 2027: 3600}
OVER_ALLOCATION = 1.05
# (year, code): under-allocated on purpose, children get this share of the target.
UNDER_ALLOCATED = {(2023, "HB.YT"): 0.9, (2023, "HB.TP.001"): 0.5, (2022, "HB.MC"): 0.95}


def split(total: int, weights: list[float]) -> list[int]:
    """Largest-remainder split of ``total`` in proportion to ``weights``: sums exactly to total."""
    weight_sum = sum(weights)
    if total <= 0 or weight_sum <= 0:
        return [0] * len(weights)
    raw = [total * w / weight_sum for w in weights]
    parts = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (raw[i] - parts[i], -i), reverse=True)
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


@transaction.atomic
def seed_quotas() -> int:
    """Create the demo quotas of the three former provinces (2016–2025); returns how many were
    created (0 when already there)."""
    created = 0
    province = Organization.objects.filter(code=PROVINCE_CODE).first()
    if province is not None and not Quota.objects.filter(organization=province).exists():
        totals = {y: (DISTRICT_LEVEL_TOTALS[y], OTHER_COMMITTEES_TOTALS[y]) for y in YEARS}
        created += _seed(province, totals, UNDER_ALLOCATED)
    for code, totals in OTHER_PROVINCES.items():
        root = Organization.objects.filter(code=code, valid_to__isnull=True).first()
        if root is not None and not Quota.objects.filter(organization=root).exists():
            created += _seed(root, totals, {}, max_depth=3)
    return created


@transaction.atomic
def seed_quotas_after_reform() -> int:
    """The merged province's quotas for 2026 and 2027, down to the grassroots."""
    root = Organization.objects.filter(code=MERGED_CODE).first()
    if root is None or Quota.objects.filter(organization=root).exists():
        return 0
    return _seed(root, {y: (0, t) for y, t in MERGED_TOTALS.items()}, {}, max_depth=3)


def _seed(province, totals: dict[int, tuple[int, int]], under_allocated: dict, max_depth: int | None = None) -> int:
    """Quotas of ``province``'s subtree for the years of ``totals``: (district-level committees
    together, the other committees together) per year; down to the cells, or to ``max_depth``
    (3: the grassroots organisations)."""
    nodes = list(
        Organization.objects.filter(path__startswith=province.path, valid_to__isnull=True).values_list(
            "id", "path", "depth", "kind", "code"
        )
    )
    steplen = Organization.steplen
    children: dict[str, list[tuple]] = defaultdict(list)
    cells_below: dict[str, int] = defaultdict(int)
    for node in nodes:
        _, path, depth, kind, _ = node
        if depth > 1:
            children[path[: (depth - 1) * steplen]].append(node)
        if kind in ("cell", "grassroots_cell"):
            for d in range(1, depth + 1):
                cells_below[path[: d * steplen]] += 1
    for siblings in children.values():
        siblings.sort(key=lambda n: n[1])

    quotas: list[Quota] = []

    def assign(node, year, target, rng):
        pk, path, _, _, code = node
        if target > 0 or node[2] <= 2:
            quotas.append(
                Quota(organization_id=pk, year=year, target=target, minimum=(target * 4) // 5 if node[2] <= 2 else None)
            )
        kids = children.get(path, [])
        if not kids or target <= 0 or (max_depth is not None and node[2] >= max_depth):
            return
        share = under_allocated.get((year, code), OVER_ALLOCATION)
        total = int(target * share) if share < 1 else math.ceil(target * share)
        weights = [max(cells_below[k[1]], 1) * rng.uniform(0.8, 1.2) for k in kids]
        for kid, part in zip(kids, split(total, weights)):
            assign(kid, year, part, rng)

    committees = children[province.path]
    district_level = [c for c in committees if c[3] in DISTRICT_LEVEL_KINDS]
    others = [c for c in committees if c[3] not in DISTRICT_LEVEL_KINDS]
    for year, (district_total, other_total) in totals.items():
        rng = random.Random(year)
        parts = split(district_total, [cells_below[c[1]] * rng.uniform(0.9, 1.1) for c in district_level])
        parts += split(other_total, [cells_below[c[1]] * rng.uniform(0.9, 1.1) for c in others])
        province_target = sum(parts)
        quotas.append(
            Quota(organization_id=province.pk, year=year, target=province_target, minimum=(province_target * 9) // 10)
        )
        for committee, part in zip(district_level + others, parts):
            assign(committee, year, part, rng)
    Quota.objects.bulk_create(quotas, batch_size=2000)
    return len(quotas)
