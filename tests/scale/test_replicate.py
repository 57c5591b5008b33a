"""``seed_demo --scale N``: provinces P02 … PNN get Hòa Bình's members, history, quotas and
pipeline, each row on the organisation at the same place in the copy, every figure equal."""

import datetime

import pytest

from candidates.models import Candidate, CandidateEvent, Stage
from demo import scale
from demo import tree as organizations_demo
from demo.management.commands.seed_demo import demo_steps
from members import facts as member_facts
from members.models import Membership, MembershipEvent, MembershipPeriod, Person
from members.quotas.models import Quota
from members.selectors import counts_at
from organizations.models import Organization
from tests.candidates.factories import candidate_at
from tests.members.factories import admit, official

D = datetime.date


def test_scale_one_has_no_copy_step():
    assert "scale" not in [key for key, _, _ in demo_steps(1)]
    assert [key for key, _, _ in demo_steps(3)][-1] == "scale"


@pytest.fixture
def two_provinces(db):
    organizations_demo.seed_tree(2)
    hb = Organization.objects.get(code="HB")
    a, b = (Organization.objects.get(code=c) for c in ("HB.TP.001.01", "HB.YT.002.01"))
    helper = official(a)
    admit(b, D(2022, 5, 3))
    official(b, D(2018, 1, 5), D(2019, 2, 1), national_id=None)
    candidate_at(a, Stage.VERIFICATION, helper=helper)
    Quota.objects.create(organization=Organization.objects.get(code="HB.TP"), year=2023, target=40, minimum=30)
    return hb


def _scope(model, field, root):
    return model.objects.filter(**{f"{field}__path__startswith": root.path})


def test_copies_every_row_to_the_same_place(two_provinces):
    hb = two_provinces
    assert scale.replicate(2, log=lambda _: None) == 1
    p02 = Organization.objects.get(code="P02")

    def codes(qs, field):
        return sorted(c.split(".", 1)[1] for c in qs.values_list(f"{field}__code", flat=True))

    for model, field in (
        (Membership, "cell"),
        (MembershipEvent, "cell"),
        (MembershipPeriod, "cell"),
        (Candidate, "cell"),
        (CandidateEvent, "cell"),
        (Quota, "organization"),
    ):
        ours, theirs = _scope(model, field, hb), _scope(model, field, p02)
        assert theirs.count() == ours.count() > 0, model
        assert codes(theirs, field) == codes(ours, field), model
    # Links stay inside the copy: events and periods to the copied membership, the candidate's
    # helper to the copied member, the admitting committee to the copy's committee.
    for m in _scope(Membership, "cell", p02).select_related("person", "admission_decided_by"):
        assert m.admission_decided_by is None or m.admission_decided_by.path.startswith(p02.path)
        assert set(m.events.values_list("cell__path", flat=True)) <= set(
            Organization.objects.filter(path__startswith=p02.path).values_list("path", flat=True)
        )
        assert (
            m.periods.count()
            == Membership.objects.get(
                person__full_name=m.person.full_name, cell__path__startswith=hb.path
            ).periods.count()
        )
    copied = _scope(Candidate, "cell", p02).select_related("helper__cell").get()
    assert copied.helper.cell.path.startswith(p02.path)
    assert copied.events.count() == _scope(Candidate, "cell", hb).get().events.count()
    # The figures are the same in both provinces.
    for day in (D(2019, 12, 31), D(2022, 12, 31)):
        assert counts_at(p02, day) == counts_at(hb, day)
    # ... because the copy's facts, the yearly ones per organisation included, are its events'.
    assert member_facts.rebuild(p02, dry_run=True) == {}
    # National ids stay unique: the copy's have the province's prefix.
    ids = list(Person.objects.exclude(national_id=None).values_list("national_id", flat=True))
    assert len(ids) == len(set(ids))
    assert {
        i[:3]
        for i in _scope(Membership, "cell", p02)
        .exclude(person__national_id=None)
        .values_list("person__national_id", flat=True)
    } == {"102"}


def test_idempotent_and_new_rows_get_fresh_ids(two_provinces):
    assert scale.replicate(2, log=lambda _: None) == 1
    before = Membership.objects.count()
    assert scale.replicate(2, log=lambda _: None) == 0
    assert Membership.objects.count() == before
    added = admit(Organization.objects.get(code="P02.TP.001.01"), D(2023, 2, 1))  # sequences were reset
    assert added.pk > max(Membership.objects.exclude(pk=added.pk).values_list("pk", flat=True))


def test_missing_provinces_are_refused(db):
    organizations_demo.seed_tree(1)
    official(Organization.objects.get(code="HB.TP.001.01"))
    with pytest.raises(ValueError, match="P02"):
        scale.replicate(2, log=lambda _: None)
