"""Issue 15, finding 11: refused files and abandoned previews are deleted after 24 hours
(``purge_uploads``); committed files are kept, as the audit needs them."""

import datetime
import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from members.quotas.importers import QuotaImporter
from partydev.models import Upload
from partydev.uploads import upload_commit, upload_dry_run, upload_store, uploads_purge

from . import files

pytestmark = pytest.mark.django_db


def stored(user, scope, data, *, hours_ago=0):
    upload = upload_store(file=SimpleUploadedFile("q.xlsx", data), importer_class=QuotaImporter, user=user, scope=scope)
    upload_dry_run(upload, QuotaImporter, user=user)
    Upload.objects.filter(pk=upload.pk).update(uploaded_at=timezone.now() - datetime.timedelta(hours=hours_ago))
    upload.refresh_from_db()
    return upload


def good(tree, target=3):
    return files.workbook(files.quota_rows([(tree.CXA.code, target, None)]))


def test_purge_deletes_what_was_never_committed_after_24_hours(tree, users, capsys):
    kept = good(tree)
    committed = stored(users.district_x, tree.X, kept, hours_ago=0)
    upload_commit(committed, QuotaImporter, user=users.district_x)
    Upload.objects.filter(pk=committed.pk).update(uploaded_at=timezone.now() - datetime.timedelta(days=400))
    refused = stored(users.district_x, tree.X, files.workbook(files.quota_rows([("T.Y.1", 3, None)])), hours_ago=25)
    abandoned = stored(users.district_x, tree.X, good(tree, 4), hours_ago=30)
    recent = stored(users.district_x, tree.X, good(tree, 5), hours_ago=23)
    assert (refused.status, abandoned.status, recent.status) == ("failed", "previewed", "previewed")
    orphan_old = default_storage.save("uploads/quotas/2024/01/orphan.xlsx", ContentFile(b"x" * 10))
    orphan_new = default_storage.save("uploads/quotas/2024/01/orphan-new.xlsx", ContentFile(b"y"))
    old = (timezone.now() - datetime.timedelta(hours=48)).timestamp()
    os.utime(default_storage.path(orphan_old), (old, old))

    call_command("purge_uploads", "--dry-run")
    assert "Sẽ xóa 2 lần tải lên" in capsys.readouterr().out
    assert Upload.objects.count() == 4

    call_command("purge_uploads")
    out = capsys.readouterr().out
    assert "Đã xóa 2 lần tải lên không được ghi và 3 tệp" in out and "giữ 1 lần tải lên đã ghi" in out
    assert set(Upload.objects.values_list("pk", flat=True)) == {committed.pk, recent.pk}
    assert not default_storage.exists(refused.file.name) and not default_storage.exists(abandoned.file.name)
    assert default_storage.exists(committed.file.name) and default_storage.exists(recent.file.name)
    assert not default_storage.exists(orphan_old) and default_storage.exists(orphan_new)
    # The committed file can still be downloaded from the history.
    assert default_storage.open(committed.file.name).read() == kept


def test_after_another_day_the_recent_preview_goes_too(tree, users):
    recent = stored(users.district_x, tree.X, good(tree), hours_ago=1)
    assert uploads_purge().uploads == 0
    result = uploads_purge(now=timezone.now() + datetime.timedelta(hours=24))
    assert result.uploads == 1 and result.files == 1 and not Upload.objects.filter(pk=recent.pk).exists()


def test_the_upload_page_says_so(tree, users, login, settings):
    settings.UPLOAD_KEEP_UNCOMMITTED_HOURS = 36
    page = login(users.district_x).get("/quotas/upload/").content.decode()
    assert "sẽ bị xóa sau 36 giờ" in page
