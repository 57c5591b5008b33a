"""Issue 15, finding 1: every import bounds the rows of one file (20,000 made bulk enumeration
easy), and a file past the bound is refused before any row is looked up."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from candidates.importers import CandidateBackfillImporter
from members.imports import MemberImporter
from members.quotas.importers import QuotaImporter
from partydev.spreadsheets import DEFAULT_MAX_ROWS
from partydev.uploads import upload_dry_run, upload_store

from .files import workbook

IMPORTERS = [MemberImporter, CandidateBackfillImporter, QuotaImporter]


@pytest.mark.parametrize("importer", IMPORTERS)
def test_every_import_is_bounded(importer, settings):
    bound = importer.max_rows or getattr(settings, "UPLOAD_MAX_ROWS", DEFAULT_MAX_ROWS)
    assert bound <= 10_000
    if importer.looks_up_identifiers:  # people are found by national ID: tighter
        assert importer.max_rows <= 5_000


@pytest.mark.django_db
@pytest.mark.parametrize("importer", [MemberImporter, CandidateBackfillImporter])
def test_a_file_past_the_bound_is_refused_whole(importer, tree, users, monkeypatch, django_assert_max_num_queries):
    monkeypatch.setattr(importer, "max_rows", 3)
    data = workbook(
        [[f"{n}"] * len(importer.columns) for n in range(4)],
        headers=[c.label for c in importer.columns],
        title=None,
        sheet=importer.sheet_name,
    )
    upload = upload_store(
        file=SimpleUploadedFile("x.xlsx", data),
        importer_class=importer,
        user=users.district_x,
        scope=tree.X,
    )
    result = upload_dry_run(upload, importer, user=users.district_x)
    (error,) = result.errors
    assert error["row"] is None and "hơn 3 dòng" in error["message"]
