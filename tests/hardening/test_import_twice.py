"""Issue 15, finding 7 (the import's side): the same file committed twice at the same moment —
two previews of one file, or one preview confirmed twice — creates each person once."""

import pytest
from django.core.exceptions import ValidationError

from candidates.importers import CandidateBackfillImporter
from candidates.models import Candidate
from members.imports import MemberImporter
from members.models import Membership, Person
from partydev.uploads import UploadRefused, upload_commit
from tests.candidates.factories import official_member
from tests.candidates.test_import import row as candidate_row
from tests.candidates.test_import import run as candidate_run
from tests.candidates.test_import import sheet
from tests.concurrency import run_together
from tests.members.test_import import row, run, workbook

from .test_concurrency import _one_winner


def _commit(upload, importer, user):
    def call():
        try:
            upload_commit(upload, importer, user=user)
        except UploadRefused as exc:
            raise ValidationError(exc.message) from None

    return call


@pytest.mark.django_db(transaction=True)
def test_two_previews_of_one_members_file_committed_together_make_no_twins(tree, users):
    data = workbook([row(1), row(2)])
    first, _ = run(users.district_x, tree.X, data)
    second, _ = run(users.district_x, tree.X, data)
    _one_winner(
        run_together(
            _commit(first, MemberImporter, users.district_x), _commit(second, MemberImporter, users.district_x)
        )
    )
    assert Person.objects.count() == Membership.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_one_preview_confirmed_twice_at_once_is_written_once(tree, users):
    upload, _ = run(users.district_x, tree.X, workbook([row(1)]))
    _one_winner(
        run_together(
            _commit(upload, MemberImporter, users.district_x), _commit(upload, MemberImporter, users.district_x)
        )
    )
    assert Membership.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_previews_of_one_candidates_file_committed_together_make_no_twins(tree, users):
    official_member(tree.CXA, national_id="017100000001")
    official_member(tree.CXB, national_id="017100000002")
    data = sheet([candidate_row(tree.CXA.code, "017200000001")])
    first, _ = candidate_run(data, users.grassroots, tree.GX)
    second, _ = candidate_run(data, users.grassroots, tree.GX)
    _one_winner(
        run_together(
            _commit(first, CandidateBackfillImporter, users.grassroots),
            _commit(second, CandidateBackfillImporter, users.grassroots),
        )
    )
    assert Candidate.objects.count() == 1 and Person.objects.filter(national_id="017200000001").count() == 1
