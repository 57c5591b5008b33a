"""Members made through the services, so every test history is one the rules allow."""

import datetime
import itertools

from members.models import EventKind
from members.services import member_admit, membership_record_event

_ids = itertools.count(1)


def person_fields(**overrides):
    n = next(_ids)
    fields = dict(
        full_name=f"Bùi Thị Hằng {n}",
        sex="female",
        date_of_birth=datetime.date(1990, 5, 17),
        ethnicity="muong",
        general_education="upper_secondary",
        professional_qualification="university",
        sector="public_employee",
        national_id=f"0171900{n:05d}",
    )
    fields.update(overrides)
    return fields


def admit(cell, day=datetime.date(2020, 3, 2), user=None, **person):
    return member_admit(
        person_fields=person_fields(**person),
        cell=cell,
        admission_decision_date=day,
        admission_decision_number=f"{next(_ids)}-QĐ/HU",
        ceremony_date=day + datetime.timedelta(days=10),
        user=user,
    )


def official(cell, admitted=datetime.date(2019, 3, 2), recognised=datetime.date(2020, 4, 1), **person):
    m = admit(cell, admitted, **person)
    membership_record_event(m, kind=EventKind.RECOGNISED, effective_date=recognised)
    return m
