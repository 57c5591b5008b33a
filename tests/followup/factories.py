import datetime

import factory

from reports.followup.models import Assignment, CommitteeMember, MonthlyCheck
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
