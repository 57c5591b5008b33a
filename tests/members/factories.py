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


def admission_form(tree, **changes) -> dict:
    """What the admission form (``members:new``) posts for a new member of CXA."""
    return {
        "full_name": "Hà Thị Lan",
        "sex": "female",
        "date_of_birth": "02/02/1995",
        "ethnicity": "muong",
        "religion": "none",
        "national_id": "017195001111",
        "general_education": "upper_secondary",
        "professional_qualification": "university",
        "political_theory": "elementary",
        "sector": "public_employee",
        "cell_code": tree.CXA.code,
        "admission_decision_number": "5-QĐ/HU",
        "admission_decision_date": "03/03/2023",
        "ceremony_date": "20/03/2023",
        **changes,
    }


def admit(cell, day=datetime.date(2020, 3, 2), user=None, **person):
    return member_admit(
        person_fields=person_fields(**person),
        cell=cell,
        admission_decision_date=day,
        admission_decision_number=f"{next(_ids)}-QĐ/HU",
        ceremony_date=day + datetime.timedelta(days=10),
        user=user,
    )


def admitted_2023(cell, n=1):
    """A probationary member of ``cell`` admitted on 10/02/2023 (ceremony on 20/02), ``n`` telling
    several apart: Hà Văn Khiêm {n}, born on {n}/02/1991."""
    return member_admit(
        person_fields=dict(
            full_name=f"Hà Văn Khiêm {n}",
            sex="male",
            date_of_birth=datetime.date(1991, 2, n),
            general_education="upper_secondary",
            national_id=f"00109200{n:04d}",
            ethnicity="muong",
            religion="none",
        ),
        cell=cell,
        admission_decision_date=datetime.date(2023, 2, 10),
        ceremony_date=datetime.date(2023, 2, 20),
    )


def official(cell, admitted=datetime.date(2019, 3, 2), recognised=datetime.date(2020, 4, 1), **person):
    m = admit(cell, admitted, **person)
    membership_record_event(m, kind=EventKind.RECOGNISED, effective_date=recognised)
    return m
