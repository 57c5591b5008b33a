"""Timing of a tree operation for ``make bench`` (issue 16: a merge of two commune committees with
5,000 members in at most 5 s).

Builds, beside whatever the database holds, a province ``BENCHR`` on the 2025 shape: two commune
committees, each with 10 grassroots committees of 5 cells and 50 members per cell (5,000 members
in all, with their admission events and periods, bulk-loaded), then times the preview (a dry run)
and the merge A + B → C through ``organizations.restructure.org_merge``. The merge moves the 20
grassroots committees (their 100 cells keep their ids) and writes no member event.

    python manage.py shell -c "from demo.bench_restructure import measurements; print(measurements())"
"""

import datetime
import time

from django.db import transaction

from members.models import EventKind, Membership, MembershipEvent, MembershipPeriod, Person, Status
from organizations.models import Kind
from organizations.restructure import decision_new, org_merge
from organizations.services import organization_create

DAY = datetime.date(2025, 7, 1)
MERGED_ON = datetime.date(2025, 9, 1)


def build(prefix: str = "BENCHR", grassroots: int = 10, cells: int = 5, members_per_cell: int = 50):
    """The province and its two communes; returns (province, commune A, commune B)."""
    province = organization_create(parent=None, code=prefix, name=f"Tỉnh thử {prefix}", kind=Kind.PROVINCE)
    communes = []
    all_cells = []
    for c in range(2):
        commune = organization_create(
            parent=province,
            code=f"{prefix}.{c + 1}",
            name=f"Đảng bộ xã Thử {c + 1}",
            kind=Kind.COMMUNE,
            can_decide_admission=True,
            effective_date=DAY,
        )
        communes.append(commune)
        for g in range(grassroots):
            committee = organization_create(
                parent=commune,
                code=f"{commune.code}.{g + 1:02d}",
                name=f"Đảng bộ thôn {c + 1}-{g + 1}",
                kind=Kind.GRASSROOTS_COMMITTEE,
                effective_date=DAY,
            )
            for k in range(cells):
                all_cells.append(
                    organization_create(
                        parent=committee,
                        code=f"{committee.code}.{k + 1:02d}",
                        name=f"Chi bộ xóm {c + 1}-{g + 1}-{k + 1}",
                        kind=Kind.CELL,
                        effective_date=DAY,
                    )
                )
    people = Person.objects.bulk_create(
        Person(
            full_name=f"Người thử {i}",
            name_search=f"nguoi thu {i}",
            sex="male" if i % 2 else "female",
            date_of_birth=datetime.date(1980 + i % 20, 1 + i % 12, 1 + i % 28),
            general_education="upper_secondary",
        )
        for i in range(len(all_cells) * members_per_cell)
    )
    admitted = datetime.date(2015, 3, 2)
    memberships = Membership.objects.bulk_create(
        Membership(
            person=p,
            cell=all_cells[i // members_per_cell],
            status=Status.OFFICIAL,
            admission_decision_date=admitted,
            official_from=datetime.date(2016, 3, 2),
            sort_name=p.name_search,
        )
        for i, p in enumerate(people)
    )
    MembershipEvent.objects.bulk_create(
        MembershipEvent(
            membership=m, kind=EventKind.ADMITTED, effective_date=admitted, cell_id=m.cell_id, status_after="official"
        )
        for m in memberships
    )
    MembershipPeriod.objects.bulk_create(
        MembershipPeriod(membership=m, cell_id=m.cell_id, status=Status.OFFICIAL, start=admitted) for m in memberships
    )
    return province, communes[0], communes[1]


def _merge(province, a, b, *, dry_run):
    return org_merge(
        [a, b],
        new={"parent": province, "code": f"{province.code}.M", "name": "Đảng bộ xã Thử hợp nhất", "kind": Kind.COMMUNE},
        decision=decision_new(number="1-QĐ/TU", date=MERGED_ON, issued_by=province),
        effective_date=MERGED_ON,
        dry_run=dry_run,
    )


def measurements() -> list[tuple[str, str]]:
    rows = []
    with transaction.atomic():
        province, a, b = build()
        members = Membership.objects.filter(cell__path__startswith=province.path).count()
        for label, dry_run in (("xem trước", True), ("ghi", False)):
            t0 = time.perf_counter()
            outcome = _merge(province, a, b, dry_run=dry_run)
            elapsed = time.perf_counter() - t0
            rows.append(
                (
                    f"Hợp nhất hai đảng ủy xã ({members:,} đảng viên): {label}".replace(",", "."),
                    f"{elapsed * 1000:.0f} ms (mục tiêu ≤ 5.000 ms; {len(outcome.lines)} dòng xem trước)",
                )
            )
        assert not MembershipEvent.objects.filter(
            membership__cell__path__startswith=province.path, kind=EventKind.TRANSFERRED_OUT
        ).exists()
        transaction.set_rollback(True)  # leave the measured database as it was
    return rows
