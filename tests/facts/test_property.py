"""Random sequences of operations through the services leave every fact table equal to a
from-scratch computation from the events (members.facts, candidates.facts) and the dated tree
equal to the tree's paths (organizations.ancestry). Refused operations change nothing."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from candidates import facts as candidate_facts
from candidates import services as candidate_services
from candidates.models import Candidate, Stage
from members import facts as member_facts
from members.models import EventKind, Membership, Person
from members.quotas.services import quota_set
from members.services import (
    members_register_bulk,
    membership_record_event,
    person_update,
    validate_new_member,
)
from organizations import ancestry
from organizations.services import organization_move
from tests.candidates.factories import person_fields as candidate_person
from tests.candidates.factories import step_data
from tests.members.factories import admit, person_fields

pytestmark = pytest.mark.django_db
D = datetime.date
BASE = D(2015, 1, 1)

member_kinds = st.sampled_from(
    [
        EventKind.RECOGNISED,
        EventKind.STRUCK_OFF,
        EventKind.LEFT,
        EventKind.EXPELLED,
        EventKind.DIED,
        EventKind.EXEMPTED,
        EventKind.READMITTED,
        EventKind.TRANSFERRED_OUT,
        EventKind.TRANSFERRED_IN,
    ]
)
days = st.integers(min_value=0, max_value=4000)  # from 01/01/2015, up to 2025
operations = st.lists(
    st.one_of(
        st.tuples(st.just("admit"), st.integers(0, 3), days),
        st.tuples(st.just("event"), st.integers(0, 50), member_kinds, st.integers(0, 800), st.integers(0, 4)),
        st.tuples(st.just("person"), st.integers(0, 50), st.sampled_from(["male", "female"]), st.integers(1960, 2000)),
        st.tuples(st.just("register"), st.integers(0, 3), days, st.booleans()),
        st.tuples(st.just("move"), st.integers(0, 1), days),
        st.tuples(
            st.just("candidate"), st.integers(0, 3), st.sampled_from([Stage.SOURCE, Stage.COURSE, Stage.CELL_VOTE])
        ),
        st.tuples(
            st.just("candidate_change"), st.integers(0, 30), st.sampled_from(["drop", "move"]), st.integers(0, 3)
        ),
        st.tuples(st.just("quota"), st.integers(0, 3), st.integers(0, 20)),
    ),
    min_size=1,
    max_size=12,
)


def _run(op, tree, users):
    cells = [tree.CXA, tree.CXB, tree.CYA, tree.GXC]
    kind = op[0]
    if kind == "admit":
        admit(cells[op[1]], BASE + datetime.timedelta(days=op[2]))
    elif kind == "event":
        members = list(Membership.objects.order_by("id"))
        if not members:
            return
        m = members[op[1] % len(members)]
        last = m.events.order_by("-effective_date").values_list("effective_date", flat=True).first()
        day = min(last + datetime.timedelta(days=op[3]), datetime.date.today())
        extra = {}
        if op[2] == EventKind.TRANSFERRED_OUT:
            extra = [
                {"other_organization_code": cells[0].code},
                {"other_organization_code": cells[2].code},
                {"other_organization_name": "Đảng bộ tỉnh Phú Thọ"},
                {"other_organization_code": cells[1].code, "temporary": True},
                {"other_organization_code": cells[3].code},
            ][op[4]]
        elif op[2] in (EventKind.TRANSFERRED_IN, EventKind.READMITTED):
            extra = {"cell_code": cells[op[4] % 4].code}
        membership_record_event(m, kind=op[2], effective_date=day, reason="lý do", **extra)
    elif kind == "person":
        persons = list(Person.objects.filter(membership__isnull=False).order_by("id"))
        if persons:
            person = persons[op[1] % len(persons)]
            person_update(person, fields={"sex": op[2], "date_of_birth": D(op[3], 3, 1)})
    elif kind == "register":
        person = Person(**person_fields())
        day = BASE + datetime.timedelta(days=op[2])
        kw = dict(cell=cells[op[1]], admission_decision_date=day, ceremony_date=day, official=op[3])
        if op[3] and day + datetime.timedelta(days=400) > datetime.date.today():
            return
        official_from, recognised = validate_new_member(person, **kw)
        members_register_bulk(
            [
                dict(
                    person=person,
                    cell=cells[op[1]],
                    admission_decision_date=day,
                    ceremony_date=day,
                    official_from=official_from,
                    recognition_decision_date=recognised,
                )
            ]
        )
    elif kind == "move":
        target = [tree.Y, tree.X][op[1]]
        organization_move(tree.GX, target, on=BASE + datetime.timedelta(days=op[2]))
        tree.GX.refresh_from_db()
    elif kind == "candidate":
        fields = candidate_person()
        cell = cells[op[1]]
        if op[2] == Stage.SOURCE:
            candidate_services.candidate_create(
                person_fields=fields, cell=cell, source_kind="youth_union", effective_date=D(2024, 1, 8)
            )
        else:
            helper = Membership.objects.filter(status="official", cell=cell).first()
            if helper is None:
                return
            candidate_services.candidate_backfill(
                person_fields=fields,
                cell=cell,
                source_kind="youth_union",
                source_date=D(2024, 1, 8),
                stage=op[2],
                data=step_data(D(2024, 1, 8), helper=helper),
            )
    elif kind == "candidate_change":
        candidates = list(Candidate.objects.order_by("id"))
        if not candidates:
            return
        c = candidates[op[1] % len(candidates)]
        if op[2] == "drop":
            candidate_services.candidate_drop(c.pk, effective_date=D(2024, 6, 1), reason="không đủ điều kiện")
        else:
            candidate_services.candidate_move(c.pk, to_cell=cells[op[3]], effective_date=D(2024, 6, 1), reason="x")
    elif kind == "quota":
        quota_set(organization=[tree.X, tree.Y, tree.GX, tree.CXA][op[1]], year=2022, target=op[2])


@settings(
    max_examples=30,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_the_facts_always_equal_what_the_events_give(tree, users, ops):
    with transaction.atomic():
        for op in ops:
            try:
                with transaction.atomic():
                    _run(op, tree, users)
            except ValidationError:
                pass  # refused: the savepoint is gone, nothing was written
        assert member_facts.rebuild(dry_run=True) == {}
        assert candidate_facts.rebuild(dry_run=True) == {}
        assert ancestry.current_problems() == []
        transaction.set_rollback(True)
    tree.GX.refresh_from_db()
