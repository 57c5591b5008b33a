"""Two papers of one issuer issued at the same moment, each on its own connection: two numbers."""

import pytest
from django.db import OperationalError, connection

from candidates.models import Stage
from documents import services
from documents.models import IssuedDocument, RegisterCounter
from tests.candidates.factories import candidate_at
from tests.concurrency import run_together

from .conftest import START

pytestmark = pytest.mark.django_db(transaction=True)


def _issue(candidate, user):
    return lambda: services.document_issue(
        kind_key="6-knd", candidate_pk=candidate.pk, user=user, signer_name="Nguyễn Văn Ký"
    )


def test_two_simultaneous_issues_never_share_a_number(tree, users):
    one = candidate_at(tree.CXA, Stage.CELL_VOTE, start=START, full_name="Lò Văn Một")
    two = candidate_at(tree.CXA, Stage.CELL_VOTE, start=START, full_name="Lò Văn Hai")
    results = run_together(_issue(one, users.secretary_a), _issue(two, users.secretary_a))
    numbers = sorted(IssuedDocument.objects.values_list("number", flat=True))
    if connection.vendor == "sqlite":
        # In-memory SQLite refuses the second writer at once ("locked") instead of making it wait.
        assert all(r == "ok" or (isinstance(r, OperationalError) and "locked" in str(r)) for r in results), results
        assert numbers == list(range(1, len(numbers) + 1)) and numbers
    else:
        assert results == ["ok", "ok"], results
        assert numbers == [1, 2]
    assert RegisterCounter.objects.get(issuer=tree.CXA, year=2026).last_number == len(numbers)


def test_the_same_paper_twice_at_once_is_issued_once(tree, users):
    one = candidate_at(tree.CXA, Stage.CELL_VOTE, start=START, full_name="Lò Văn Một")
    results = run_together(_issue(one, users.secretary_a), _issue(one, users.secretary_a))
    assert sorted(r == "ok" for r in results) == [False, True], results
    assert IssuedDocument.objects.filter(candidate=one).count() == 1
