"""``rebuild_facts`` says what it changed: nothing on a healthy database."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from candidates.models import CandidateStageFact
from members.models import MemberBalance, MemberFlowFact
from tests.candidates.factories import candidate_at
from tests.members.factories import admit

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("rebuild_facts", *args, stdout=out)
    return out.getvalue()


def test_nothing_changes_on_a_healthy_database(tree):
    admit(tree.CXA, datetime.date(2020, 3, 2))
    candidate_at(tree.CXB, "source")
    assert "Không có gì thay đổi" in run()
    assert "Không có gì thay đổi" in run("--org", tree.X.code)


def test_a_change_made_around_the_services_is_repaired_and_reported(tree):
    admit(tree.CXA, datetime.date(2020, 3, 2))
    candidate_at(tree.CXB, "source")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {MemberFlowFact._meta.db_table}")
        cursor.execute(f"DELETE FROM {MemberBalance._meta.db_table}")
        cursor.execute(f"UPDATE {CandidateStageFact._meta.db_table} SET n = 7")
    assert "sai (chưa sửa, --dry-run)" in run("--dry-run")
    out = run("--org", tree.X.code)
    assert "member flow facts: 1 đã sửa" in out and "candidate stage facts: 1 đã sửa" in out
    assert MemberFlowFact.objects.count() == 1 and CandidateStageFact.objects.get().n == 1
    assert "Không có gì thay đổi" in run()


def test_an_unknown_organisation_is_named(tree):
    with pytest.raises(CommandError, match="Không có tổ chức đảng mã «NOPE»"):
        run("--org", "NOPE")
