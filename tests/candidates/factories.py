"""Small factories for the pipeline tests: official members to help and introduce, candidates
put at a stage through the services (so every test history is one the rules allow)."""

import datetime
import itertools

import factory
from django.db import transaction
from django.utils import timezone

from candidates import services
from candidates.models import Introduction, Stage
from members import facts as member_facts
from members.history import Period
from members.models import Membership, MembershipEvent, MembershipPeriod, Person, Status

_ids = itertools.count(1)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    full_name = factory.Sequence(lambda n: f"Đinh Văn Thành {n}")
    sex = "male"
    date_of_birth = datetime.date(1995, 4, 10)
    ethnicity = "muong"
    general_education = "upper_secondary"


@transaction.atomic  # as a service's write: the facts lock the cell (tests outside a transaction too)
def official_member(cell, admitted=datetime.date(2015, 3, 2), **person) -> Membership:
    """An official member of ``cell``: person, membership, its admission and recognition events
    and the period, written directly (the members services are tested by their own suite)."""
    p = PersonFactory(**person)
    official_from = admitted.replace(year=admitted.year + 1)
    m = Membership.objects.create(
        person=p,
        cell=cell,
        status=Status.OFFICIAL,
        admission_decision_date=admitted,
        ceremony_date=admitted,
        official_from=official_from,
        recognition_decision_date=official_from,
    )
    events = [
        MembershipEvent.objects.create(
            membership=m, kind="admitted", effective_date=admitted, cell=cell, status_after=Status.PROBATIONARY
        ),
        MembershipEvent.objects.create(
            membership=m,
            kind="recognised",
            effective_date=official_from,
            cell=cell,
            status_after=Status.OFFICIAL,
            was_probationary=True,
        ),
    ]
    MembershipPeriod.objects.create(
        membership=m, cell=cell, status=Status.PROBATIONARY, start=admitted, end=official_from
    )
    MembershipPeriod.objects.create(membership=m, cell=cell, status=Status.OFFICIAL, start=official_from)
    # ... and their facts, as the services write them (the reports and the rebuild read them).
    member_facts.record_flows(events, {m.pk: p})
    member_facts.apply_period_change(
        member_facts.period_change(
            [],
            [
                Period(cell.pk, Status.PROBATIONARY, admitted, official_from),
                Period(cell.pk, Status.OFFICIAL, official_from, None),
            ],
        )
    )
    return m


def person_fields(**overrides) -> dict:
    n = next(_ids)
    fields = dict(
        full_name=f"Hoàng Thị Mai {n}",
        sex="female",
        date_of_birth=datetime.date(2000, 6, 15),
        ethnicity="muong",
        general_education="upper_secondary",
        youth_union=True,
    )
    fields.update(overrides)
    return fields


def add_form(tree, **changes) -> dict:
    """What the add form (``candidates:add``) posts for a candidate of CXA from today."""
    return {
        "full_name": "Quách Thị Lan",
        "date_of_birth": "2001-02-03",
        "sex": "female",
        "general_education": "upper_secondary",
        "ethnicity": "muong",
        "national_id": "",
        "source_kind": "youth_union",
        "cell": tree.CXA.code,
        "effective_date": timezone.localdate().isoformat(),
        **changes,
    }


def step_data(start: datetime.date, helper=None, introducers=(None, None), decided_by=None) -> dict:
    """Data for every step, dated a few weeks apart from ``start``."""
    day = lambda weeks: start + datetime.timedelta(weeks=weeks)  # noqa: E731
    one, two = introducers
    # The cell's secretary states how long the introducers have known the applicant (the system
    # holds the candidate only from the source date): two years before the introduction.
    known_since = start - datetime.timedelta(days=730)
    return {
        "cultivation_date": day(1),
        "helper": helper,
        "certificate_number": "CN-123",
        "certificate_date": day(3),
        "form1_date": day(4),
        "form2_date": day(4),
        "form3_date": day(5),
        "form5_date": day(5),
        "introduction": Introduction.MEMBERS if one else Introduction.YOUTH_UNION,
        # The Youth Union introduces with one official member: the helper, unless named.
        "introducer_1": one or helper,
        "introducer_2": two,
        "introducer_1_since": known_since,
        "introducer_2_since": known_since if two else None,
        "together_statement_date": day(5),
        "verification_result": "clear",
        "verification_subjects": {"applicant": "verified", "father": "verified", "mother": "verified"},
        "verification_date": day(7),
        "cell_vote_date": day(8),
        "cell_present": 9,
        "cell_total": 10,
        "cell_votes_for": 9,
        "partial_date": day(9),
        "partial_members": 5,
        "partial_votes_for": 5,
        "committee_date": day(10),
        "committee_members": 9,
        "committee_votes_for": 8,
        "decision_number": "123-QĐ/HU",
        "decision_date": day(12),
        "decided_by": decided_by,
        "decision_received_date": day(12),
        "ceremony_date": day(14),
    }


def candidate_at(cell, stage: str, start=datetime.date(2024, 1, 8), helper=None, decided_by=None, user=None, **person):
    """A candidate back-filled to ``stage`` (``Stage.SOURCE`` creates a plain new candidate)."""
    fields = person_fields(**person)
    if stage == Stage.SOURCE:
        return services.candidate_create(
            person_fields=fields, cell=cell, source_kind="youth_union", effective_date=start, user=user
        )
    if helper is None:
        helper = Membership.objects.filter(status=Status.OFFICIAL, cell=cell).first() or official_member(cell)
    return services.candidate_backfill(
        person_fields=fields,
        cell=cell,
        source_kind="youth_union",
        source_date=start,
        stage=stage,
        data=step_data(start, helper=helper, decided_by=decided_by),
        user=user,
    )
