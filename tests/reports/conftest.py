import datetime

import pytest

from members.quotas.models import Quota
from tests.members.factories import admit


@pytest.fixture
def admissions(tree):
    """A small history: X admits 3 in 2021 and 2 in 2022, Y admits 1 in 2022; quotas by year."""
    made = {
        "x2021": [
            admit(tree.CXA, datetime.date(2021, 3, 1)),
            admit(tree.CXA, datetime.date(2021, 9, 1)),
            admit(tree.CXB, datetime.date(2021, 12, 31)),
        ],
        "x2022": [admit(tree.CXA, datetime.date(2022, 1, 1)), admit(tree.GXC, datetime.date(2022, 6, 30), sex="male")],
        "y2022": [admit(tree.CYA, datetime.date(2022, 7, 1), ethnicity="kinh", professional_qualification="none")],
    }
    for org, year, target in [
        (tree.P, 2021, 5),
        (tree.P, 2022, 6),
        (tree.X, 2021, 2),
        (tree.X, 2022, 3),
        (tree.Y, 2021, 2),
        (tree.Y, 2022, 3),
        (tree.GX, 2022, 1),
    ]:
        Quota.objects.create(organization=org, year=year, target=target)
    return made
