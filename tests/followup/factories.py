import datetime

import factory

from followup.models import Assignment, CommitteeMember, MonthlyCheck
from tests.fixtures import make_user


class CommitteeMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommitteeMember

    user = factory.Sequence(lambda n: make_user(f"cuv{n}"))
    full_name = factory.Sequence(lambda n: f"Cấp ủy viên {n}")
    position = "Cấp ủy viên"


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    committee_member = factory.SubFactory(CommitteeMemberFactory)
    start = datetime.date(2022, 1, 1)


class MonthlyCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MonthlyCheck

    month = datetime.date(2022, 1, 1)
    checked_on = factory.LazyAttribute(lambda o: o.month + datetime.timedelta(days=20))
    reviewed = "Sổ theo dõi nguồn"
    findings = "Đúng tiến độ"


# --- records the facts are computed from (written directly: their own suites test the rules) ---

import itertools  # noqa: E402

from candidates import facts as candidate_facts  # noqa: E402
from candidates.models import Candidate, CandidateEvent  # noqa: E402
from members.models import Person  # noqa: E402
from members.services import member_admit  # noqa: E402

_n = itertools.count(1)


def person(**fields) -> Person:
    n = next(_n)
    values = dict(
        full_name=f"Quách Văn Dũng {n}",
        sex="male",
        date_of_birth=datetime.date(1998, 3, 4),
        general_education="upper_secondary",
        national_id=f"0170980{n:05d}",
    )
    values.update(fields)
    return Person.objects.create(**values)


def admit(cell, day):
    n = next(_n)
    return member_admit(
        person_fields=dict(
            full_name=f"Bùi Thị Lan {n}",
            sex="female",
            date_of_birth=datetime.date(1995, 1, 2),
            general_education="upper_secondary",
            national_id=f"0171950{n:05d}",
        ),
        cell=cell,
        admission_decision_date=day,
        ceremony_date=day,
    )


def candidate(cell, stage="cultivation", next_due=None, due_kind="", **fields) -> Candidate:
    c = Candidate.objects.create(
        person=person(),
        cell=cell,
        stage=stage,
        stage_date=fields.pop("stage_date", datetime.date(2022, 1, 3)),
        next_due=next_due,
        due_kind=due_kind,
        **fields,
    )
    candidate_facts.rebuild(cell)  # written around the services: repaired as after maintenance
    return c


def stage_event(c: Candidate, to: str, day, stage_from="source"):
    return CandidateEvent.objects.create(
        candidate=c, kind="advanced", stage_from=stage_from, stage_to=to, effective_date=day, cell=c.cell
    )
