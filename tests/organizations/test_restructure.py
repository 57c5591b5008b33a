"""Tree operations, each dated and recorded with its decision; bad input refused with nothing written.

The small province of tests/fixtures.py:
P ── X (district) ── GX (grassroots committee) ── CXA, CXB (cells)
  │              └─ GXC (grassroots cell)
  └─ Y (district) ── GY (grassroots committee) ── CYA (cell)
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import timezone

from candidates import rules
from candidates.models import Candidate, CandidateEvent, LocalCriterion, Stage
from followup.models import Assignment, CommitteeMember
from members import facts as member_facts
from members.models import EventKind, Membership, MembershipEvent, MembershipPeriod
from members.selectors import counts_at
from organizations.ancestry import current_problems
from organizations.models import (
    Decision,
    Kind,
    OperationItem,
    Organization,
    OrganizationAncestry,
    ResidentialArea,
    Role,
    Succession,
    TreeOperation,
)
from organizations.restructure import (
    decision_new,
    org_change_kind,
    org_create,
    org_dissolve,
    org_merge,
    org_move,
    org_rename,
    org_split,
)
from organizations.services import compute_descendant_counts, organization_create
from tests.candidates.factories import candidate_at, official_member
from tests.fixtures import build_small_province, make_user

D = datetime.date
pytestmark = pytest.mark.django_db
REFORM = D(2025, 7, 1)
PRE = D(2025, 3, 1)  # the fixture's tree has districts: operations under them predate the reform


def decision(tree, day=REFORM, issuer=None, number="01-QĐ/TU"):
    return decision_new(number=number, date=day, issued_by=issuer or tree.P)


def snapshot():
    return (
        list(
            Organization.objects.values_list(
                "id", "path", "kind", "name", "valid_from", "valid_to", "can_decide_admission"
            )
        ),
        Decision.objects.count(),
        TreeOperation.objects.count(),
        Succession.objects.count(),
        OperationItem.objects.count(),
        MembershipEvent.objects.count(),
        list(Membership.objects.values_list("id", "cell_id", "status").order_by("id")),
        list(Candidate.objects.values_list("id", "cell_id", "stage").order_by("id")),
        CandidateEvent.objects.count(),
        list(Role.objects.values_list("id", "organization_id").order_by("id")),
        list(ResidentialArea.objects.values_list("id", "grassroots_id", "cell_id").order_by("id")),
        list(Assignment.objects.values_list("id", "organization_id", "start", "end").order_by("id")),
        list(LocalCriterion.objects.values_list("id", "organization_id").order_by("id")),
    )


def refused(fn, *args, match, error=ValidationError, **kw):
    """Call an operation that must be refused: the message matches, and nothing was written."""
    before = snapshot()
    with pytest.raises(error, match=match):
        fn(*args, **kw)
    assert snapshot() == before


def reload(*orgs):
    return [Organization.objects.get(pk=o.pk) for o in orgs]


def counts_in_step():
    """The stored roll-ups and the dated ancestor table both agree with the tree of today."""
    stored = dict(Organization.objects.values_list("path", "descendant_counts"))
    return stored == compute_descendant_counts(Organization.objects.values_list("path", "kind")) and not (
        current_problems()
    )


def ancestors_on(org, day):
    """The codes of ``org``'s ancestors as the tree stood on ``day`` (the read model's table)."""
    rows = OrganizationAncestry.objects.filter(descendant=org, depth__gt=0, valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=day)
    )
    return set(rows.values_list("ancestor__code", flat=True))


# --- create, rename, move -----------------------------------------------------------------------


def test_create_records_the_decision_and_starts_the_organisation_on_its_date(tree):
    outcome = org_create(
        parent=tree.GX,
        code="T.X.1.C",
        name="Chi bộ xóm Mới",
        kind=Kind.CELL,
        decision=decision(tree, day=D(2024, 3, 1), issuer=tree.X),
        effective_date=D(2024, 3, 1),
    )
    op = outcome.operation
    cell = op.organization
    assert (cell.code, cell.valid_from, cell.valid_to) == ("T.X.1.C", D(2024, 3, 1), None)
    assert (op.kind, op.effective_date, op.decision.number, op.decision.issued_by) == (
        "create",
        D(2024, 3, 1),
        "01-QĐ/TU",
        tree.X,
    )
    assert counts_in_step()


def test_rename_keeps_the_id_and_the_old_name(tree):
    op = org_rename(tree.GX, name="Đảng bộ xã Ân Nghĩa mới", decision=decision(tree), effective_date=REFORM).operation
    gx = Organization.objects.get(pk=tree.GX.pk)
    assert gx.name == "Đảng bộ xã Ân Nghĩa mới"
    assert op.details == {"name": ["Đảng bộ xã Ân Nghĩa", "Đảng bộ xã Ân Nghĩa mới"]}


def test_move_keeps_the_cells_ids_and_the_history(tree):
    member = official_member(tree.CXA)
    org_move(tree.GX, new_parent=tree.Y, decision=decision(tree, day=D(2024, 1, 1)), effective_date=D(2024, 1, 1))
    gx, cxa = reload(tree.GX, tree.CXA)
    assert cxa.path.startswith(Organization.objects.get(pk=tree.Y.pk).path) and cxa.pk == tree.CXA.pk
    assert list(member.periods.values_list("cell_id", flat=True)) == [tree.CXA.pk, tree.CXA.pk]
    assert not MembershipEvent.objects.filter(kind=EventKind.TRANSFERRED_OUT).exists()  # tree rows, no member events
    assert counts_in_step()


# --- the post-2025 shape ----------------------------------------------------------------------------


def test_after_the_reform_no_district_and_no_plain_cell_under_a_commune(tree):
    refused(
        org_create,
        parent=tree.P,
        code="T.Z",
        name="Huyện mới",
        kind=Kind.DISTRICT,
        decision=decision(tree),
        effective_date=REFORM,
        match="không còn cấp huyện",
    )
    commune = org_create(
        parent=tree.P,
        code="T.C1",
        name="Đảng bộ phường Hòa Bình",
        kind=Kind.COMMUNE,
        can_decide_admission=True,
        decision=decision(tree),
        effective_date=REFORM,
    ).operation.organization
    assert commune.is_ward
    refused(
        org_create,
        parent=commune,
        code="T.C1.1",
        name="Chi bộ tổ 1",
        kind=Kind.CELL,
        decision=decision(tree),
        effective_date=REFORM,
        match="chi bộ «Chi bộ tổ 1» trực thuộc đảng ủy xã, phường sẽ không có tổ chức cơ sở",
    )
    village = org_create(
        parent=commune,
        code="T.C1.2",
        name="Chi bộ tổ 2",
        kind=Kind.GRASSROOTS_CELL,
        decision=decision(tree),
        effective_date=REFORM,
    ).operation.organization
    assert rules.grassroots_of(village) == village
    # The same placement on a date before the reform follows the rules of the time.
    organization_create(parent=tree.P, code="T.Z2", name="Huyện cũ", kind=Kind.DISTRICT, effective_date=D(2024, 1, 1))


def test_change_of_kind_keeps_ids_a_committee_raised_to_a_commune_with_its_cells(tree):
    """The reform's shape: a grassroots committee becomes a commune directly under the province;
    its village cells become grassroots cells; ids (and with them every fact) are kept."""
    helper = official_member(tree.CXA)
    refused(
        org_change_kind,
        tree.GX,
        kind=Kind.COMMUNE,
        new_parent=tree.P,
        decision=decision(tree),
        effective_date=REFORM,
        match="Chi bộ xóm Bưng",
    )
    outcome = org_change_kind(
        tree.GX,
        kind=Kind.COMMUNE,
        new_parent=tree.P,
        can_decide_admission=True,
        kinds={tree.CXA.pk: Kind.GRASSROOTS_CELL, tree.CXB.pk: Kind.GRASSROOTS_CELL},
        decision=decision(tree),
        effective_date=REFORM,
    )
    gx, cxa = reload(tree.GX, tree.CXA)
    assert (gx.kind, gx.depth, gx.can_decide_admission) == (Kind.COMMUNE, 2, True)
    assert (cxa.kind, cxa.pk) == (Kind.GRASSROOTS_CELL, tree.CXA.pk)
    assert outcome.operation.details["kind"] == ["grassroots_committee", "commune"]
    assert rules.grassroots_of(cxa) == cxa
    assert rules.is_official_member_of(Membership.objects.get(pk=helper.pk), rules.grassroots_of(cxa))
    assert list(cxa.deciding_bodies())[0] == gx


def test_a_plain_cell_left_under_a_commune_reads_the_commune_as_its_grassroots(tree):
    commune = organization_create(parent=tree.X, code="T.X.9", name="Đảng bộ xã Cũ", kind=Kind.COMMUNE)
    cell = organization_create(parent=commune, code="T.X.9.1", name="Chi bộ thôn 1", kind=Kind.CELL)
    assert rules.grassroots_of(cell) == commune


# --- merge ---------------------------------------------------------------------------------------


@pytest.fixture
def staffed(tree):
    """Roles, an area, a criterion, a committee member following GX, members and candidates."""
    user = make_user("gx_staff", Role.Kind.GRASSROOTS_STAFF, tree.GX)
    area = ResidentialArea.objects.create(name="Xóm Bưng", kind="xom", grassroots=tree.GX, cell=tree.CXA)
    criterion = LocalCriterion.objects.create(organization=tree.GX, label="Có sổ tay đảng viên điện tử")
    cm_user = make_user("capuy_x")
    cm = CommitteeMember.objects.create(user=cm_user, committee=tree.X, full_name="Ủy viên X")
    assignment = Assignment.objects.create(committee_member=cm, organization=tree.GX, start=D(2024, 1, 1))
    member = official_member(tree.CXA)
    candidate = candidate_at(tree.CXA, Stage.SOURCE, start=D(2025, 1, 6))
    return dict(
        user=user, area=area, criterion=criterion, cm=cm, assignment=assignment, member=member, candidate=candidate
    )


def test_merge_two_committees_moves_cells_under_the_successor_and_carries_their_work(tree, staffed):
    history_before = list(MembershipPeriod.objects.values_list("id", "cell_id", "start", "end"))
    outcome = org_merge(
        [tree.GX, tree.GY],
        new={
            "parent": tree.X,
            "code": "T.X.M",
            "name": "Đảng bộ xã Ân Nghĩa – Bao La",
            "kind": Kind.GRASSROOTS_COMMITTEE,
        },
        decision=decision(tree, day=PRE),
        effective_date=PRE,
    )
    op = outcome.operation
    merged = op.organization
    gx, gy, cxa, cya = reload(tree.GX, tree.GY, tree.CXA, tree.CYA)
    assert (gx.valid_to, gy.valid_to, merged.valid_from) == (D(2025, 2, 28), D(2025, 2, 28), PRE)
    assert {c.pk for c in Organization.objects.get_children(merged)} == {tree.CXA.pk, tree.CXB.pk, tree.CYA.pk}
    assert set(gx.successors()) == {merged} and set(merged.predecessors()) == {gx, gy}
    assert gx.numchild == 0 and counts_in_step()
    # The tree as it stood: CXA under GX the day before, under the successor from the date.
    assert ancestors_on(cxa, D(2025, 2, 28)) == {tree.P.code, tree.X.code, tree.GX.code}
    assert ancestors_on(cxa, PRE) == {tree.P.code, tree.X.code, "T.X.M"}
    assert ancestors_on(cya, D(2025, 2, 28)) == {tree.P.code, tree.Y.code, tree.GY.code}
    # History stays: periods and events point at the same cells, no member event written.
    assert list(MembershipPeriod.objects.values_list("id", "cell_id", "start", "end")) == history_before
    assert not MembershipEvent.objects.filter(kind=EventKind.TRANSFERRED_OUT).exists()
    # The work of GX goes to the successor.
    assert Role.objects.get(user=staffed["user"]).organization == merged
    assert ResidentialArea.objects.get(pk=staffed["area"].pk).grassroots == merged
    assert LocalCriterion.objects.get(pk=staffed["criterion"].pk).organization == merged
    old = Assignment.objects.get(pk=staffed["assignment"].pk)
    assert old.end == D(2025, 2, 28)
    assert Assignment.objects.get(committee_member=staffed["cm"], organization=merged).start == PRE
    # Every operation is recorded with what went where.
    items = set(op.items.values_list("item", "object_id"))
    assert {
        ("organization", tree.CXA.pk),
        ("organization", tree.CYA.pk),
        ("role", Role.objects.get(user=staffed["user"]).pk),
    } <= items
    sections = dict(outcome.sections)
    assert any("Xóm Bưng" in t for t in sections["Khu dân cư"])
    assert any("Ủy viên X" in t for t in sections["Phân công phụ trách"])
    # The facts per cell and per organisation and year follow the tree (the yearly ones recomputed).
    assert member_facts.rebuild(dry_run=True) == {}


def test_a_dry_run_writes_nothing_and_previews_what_confirming_does(tree, staffed):
    args = dict(
        new={"parent": tree.X, "code": "T.X.M", "name": "Đảng bộ xã mới", "kind": Kind.GRASSROOTS_COMMITTEE},
        decision=decision(tree, day=PRE),
        effective_date=PRE,
    )
    before = snapshot()
    preview = org_merge([tree.GX, tree.GY], dry_run=True, **args)
    assert snapshot() == before and preview.operation is None
    done = org_merge([tree.GX, tree.GY], **args)
    assert preview.lines == done.lines


def test_absorbing_a_cell_moves_its_members_and_candidates_by_collective_transfers(tree, staffed):
    outcome = org_merge([tree.CXA], into=tree.CXB, decision=decision(tree, day=PRE, issuer=tree.GX), effective_date=PRE)
    member = Membership.objects.get(pk=staffed["member"].pk)
    assert member.cell_id == tree.CXB.pk
    out, in_ = member.events.filter(effective_date=PRE).order_by("id")
    assert (out.kind, out.decision_number, in_.kind, in_.cell_id) == (
        "transferred_out",
        "01-QĐ/TU",
        "transferred_in",
        tree.CXB.pk,
    )
    assert list(member.periods.order_by("start").values_list("cell_id", "end")) == [
        (tree.CXA.pk, D(2016, 3, 2)),
        (tree.CXA.pk, PRE),
        (tree.CXB.pk, None),
    ]
    candidate = Candidate.objects.get(pk=staffed["candidate"].pk)
    assert candidate.cell_id == tree.CXB.pk
    assert candidate.events.get(kind="moved").effective_date == PRE
    assert ResidentialArea.objects.get(pk=staffed["area"].pk).cell_id == tree.CXB.pk
    assert Organization.objects.get(pk=tree.CXA.pk).valid_to == D(2025, 2, 28)
    assert outcome.operation.kind == "absorb"
    assert outcome.operation.items.filter(item="membership", object_id=member.pk).exists()
    # The facts per cell and per organisation and year follow the tree (the yearly ones recomputed).
    assert member_facts.rebuild(dry_run=True) == {}


# --- split -----------------------------------------------------------------------------------


def test_split_of_a_cell_sends_each_person_where_chosen_and_refuses_anyone_unassigned(tree):
    a, b = official_member(tree.CXA), official_member(tree.CXA)
    c = candidate_at(tree.CXA, Stage.SOURCE, start=D(2025, 1, 6))
    specs = [
        {"code": "T.X.1.A1", "name": "Chi bộ xóm Bưng 1", "kind": Kind.CELL},
        {"code": "T.X.1.A2", "name": "Chi bộ xóm Bưng 2", "kind": Kind.CELL},
    ]
    common = dict(successors=specs, decision=decision(tree, day=PRE, issuer=tree.GX), effective_date=PRE)
    refused(
        org_split, tree.CXA, members={a.pk: 0}, candidates={c.pk: 1}, match=r"Chi bộ xóm Bưng.*1 đảng viên", **common
    )
    refused(org_split, tree.CXA, members={a.pk: 0, b.pk: 1}, match=r"1 đối tượng kết nạp", **common)
    op = org_split(tree.CXA, members={a.pk: 0, b.pk: 1}, candidates={c.pk: 1}, **common).operation
    one, two = Organization.objects.get(code="T.X.1.A1"), Organization.objects.get(code="T.X.1.A2")
    assert Membership.objects.get(pk=a.pk).cell == one and Membership.objects.get(pk=b.pk).cell == two
    assert Candidate.objects.get(pk=c.pk).cell == two
    assert set(Succession.objects.filter(operation=op).values_list("successor_id", "whole")) == {
        (one.pk, False),
        (two.pk, False),
    }
    assert op.items.filter(item="membership", object_id=b.pk, target=two).exists()
    # The facts per cell and per organisation and year follow the tree (the yearly ones recomputed).
    assert member_facts.rebuild(dry_run=True) == {}


def test_split_of_a_committee_needs_a_successor_for_every_child(tree):
    specs = [
        {"code": "T.X.1.N", "name": "Đảng bộ xã Ân Nghĩa Bắc", "kind": Kind.GRASSROOTS_COMMITTEE},
        {"code": "T.X.1.S", "name": "Đảng bộ xã Ân Nghĩa Nam", "kind": Kind.GRASSROOTS_COMMITTEE},
    ]
    common = dict(successors=specs, decision=decision(tree, day=PRE), effective_date=PRE)
    refused(org_split, tree.GX, children={tree.CXA.pk: 0}, match="Đảng bộ xã Ân Nghĩa.*Chi bộ xóm Mít", **common)
    org_split(tree.GX, children={tree.CXA.pk: 0, tree.CXB.pk: 1}, **common)
    cxa, cxb = reload(tree.CXA, tree.CXB)
    assert Organization.objects.get_parent(cxa).code == "T.X.1.N"
    assert Organization.objects.get_parent(cxb).code == "T.X.1.S"


# --- dissolve -------------------------------------------------------------------------------------


def test_dissolve_only_once_children_and_people_are_moved(tree):
    member = official_member(tree.CXA)
    common = dict(decision=decision(tree, day=PRE), effective_date=PRE)
    refused(org_dissolve, tree.GX, match="«Đảng bộ xã Ân Nghĩa» còn 2 tổ chức trực thuộc", **common)
    refused(org_dissolve, tree.CXA, match="«Chi bộ xóm Bưng» còn 1 đảng viên", **common)
    candidate = candidate_at(tree.CXB, Stage.SOURCE, start=D(2025, 1, 6))
    refused(org_dissolve, tree.CXB, match="«Chi bộ xóm Mít» còn 1 đối tượng", **common)
    from candidates.services import candidate_move
    from members.services import membership_record_event

    membership_record_event(
        member, kind=EventKind.TRANSFERRED_OUT, effective_date=D(2025, 2, 1), other_organization_code=tree.CYA.code
    )
    org_dissolve(tree.CXA, **common)
    assert Organization.objects.get(pk=tree.CXA.pk).valid_to == D(2025, 2, 28)
    candidate_move(candidate, to_cell=tree.CYA, effective_date=D(2025, 2, 1), reason="chuyển nơi ở")
    org_dissolve(tree.CXB, **common)


# --- bad input ---------------------------------------------------------------------------------------


def test_dates_never_ahead_never_before_the_decision_and_in_order_on_a_node(tree):
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    refused(
        org_rename,
        tree.GX,
        name="Tên mới",
        decision=decision(tree, day=today),
        effective_date=tomorrow,
        match="«Đảng bộ xã Ân Nghĩa»: chưa đến ngày có hiệu lực",
    )
    refused(
        org_rename,
        tree.GX,
        name="Tên mới",
        decision=decision(tree, day=D(2025, 7, 2)),
        effective_date=REFORM,
        match="trước ngày quyết định",
    )
    org_move(tree.CXA, new_parent=tree.GY, decision=decision(tree), effective_date=D(2025, 8, 1))
    refused(
        org_move,
        tree.GY,
        new_parent=tree.X,
        decision=decision(tree),
        effective_date=REFORM,
        match="«Chi bộ xóm Bưng» đã có thao tác «Chuyển trực thuộc» có hiệu lực từ 01/08/2025",
    )


def test_a_merge_across_provinces_needs_a_province_level_decision(tree):
    other = build_small_province("V")
    args = dict(into=other.GX, effective_date=PRE)
    refused(
        org_merge,
        [tree.GX],
        decision=decision(tree, day=PRE, issuer=tree.X),
        match="thuộc các đảng bộ tỉnh khác nhau",
        **args,
    )
    org_merge(
        [tree.GX], decision=decision_new(number="60-NQ/TW", date=PRE, issuer_name="Ban Chấp hành Trung ương"), **args
    )
    assert Organization.objects.get(pk=tree.CXA.pk).path.startswith(Organization.objects.get(pk=other.GX.pk).path)


def test_an_operation_leaving_a_cell_without_grassroots_is_refused(tree):
    refused(
        org_change_kind,
        tree.GX,
        kind=Kind.COMMUNE,
        decision=decision(tree, day=D(2024, 1, 1)),
        effective_date=D(2024, 1, 1),
        match="«Chi bộ xóm Bưng» sẽ không còn tổ chức cơ sở đảng",
    )


def test_only_the_provincial_office_or_an_administrator_restructures(tree, users):
    common = dict(name="Tên mới", decision=decision(tree), effective_date=REFORM)
    refused(
        org_rename, tree.GX, user=users.district_x, match="Chỉ Ban Tổ chức Tỉnh ủy", error=PermissionDenied, **common
    )
    org_rename(tree.GX, user=users.province, **common)
    assert TreeOperation.objects.get().recorded_by == users.province


def test_candidates_in_flight_are_carried_to_their_new_deciding_body(tree):
    in_flight = candidate_at(tree.CXA, Stage.SOURCE, start=D(2025, 1, 6), full_name="Lường Văn Chờ")
    preview = org_move(tree.GX, new_parent=tree.Y, decision=decision(tree, day=PRE), effective_date=PRE, dry_run=True)
    assert any(
        "«Huyện Lạc Sơn» sang «Huyện Mai Châu»" in t and "Lường Văn Chờ" in t
        for t in dict(preview.sections)["Cấp ủy quyết định kết nạp"]
    )
    op = org_move(tree.GX, new_parent=tree.Y, decision=decision(tree, day=PRE), effective_date=PRE).operation
    item = op.items.get(item="deciding_body")
    assert (item.object_id, item.source, item.target) == (in_flight.pk, tree.X, tree.Y)
    assert Candidate.objects.get(pk=in_flight.pk).cell_id == tree.CXA.pk  # nothing of the candidate rewritten


def test_a_province_merge_carries_the_thresholds_and_ends_the_old_root(tree):
    from followup.models import EvaluationThresholds

    other = build_small_province("V")
    official_member(tree.CXA)
    official_member(other.CYA, admitted=D(2020, 5, 4))
    EvaluationThresholds.objects.create(province=tree.P, excellent_rate=110, good_rate=90, completed_rate=60)
    central = decision_new(number="202-QĐ/TW", date=PRE, issuer_name="Bộ Chính trị")
    new = {"parent": None, "code": "PT", "name": "Đảng bộ tỉnh Phú Thọ", "kind": Kind.PROVINCE}
    refused(
        org_merge,
        [tree.P, other.P],
        new=new,
        decision=decision(tree, day=PRE, issuer=tree.X),
        effective_date=PRE,
        match="thuộc các đảng bộ tỉnh khác nhau: hợp nhất cần quyết định của cấp tỉnh trở lên",
    )
    outcome = org_merge([tree.P, other.P], new=new, decision=central, effective_date=PRE)
    merged = outcome.operation.organization
    assert EvaluationThresholds.objects.get(province=merged).excellent_rate == 110
    assert Organization.objects.get(pk=tree.P.pk).valid_to == D(2025, 2, 28)
    assert {o.code for o in Organization.objects.get_children(merged)} == {"T.X", "T.Y", "V.X", "V.Y"}
    # The facts per cell and per organisation and year follow the tree (the yearly ones recomputed):
    # the members are the new province's from the first year boundary after the merge.
    assert member_facts.rebuild(dry_run=True) == {}
    assert counts_at(merged, D(2025, 12, 31))["total"] == 2
    assert counts_at(merged, D(2024, 12, 31))["total"] == 0 and counts_at(tree.P, D(2024, 12, 31))["total"] == 1
