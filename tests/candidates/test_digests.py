import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from candidates.models import Stage

from .factories import candidate_at

pytestmark = pytest.mark.django_db


def test_send_digests_emails_each_scoped_user_their_overdue_list(tree, users):
    today = timezone.localdate()
    overdue = candidate_at(
        tree.CXA, Stage.CELL_VOTE, start=today - datetime.timedelta(days=200), full_name="Bùi Thị Quá Hạn"
    )
    candidate_at(tree.CYA, Stage.SOURCE, start=today)
    for user in (users.secretary_a, users.secretary_b, users.district_x):
        user.email = f"{user.username}@example.org"
        user.save()
    call_command("send_digests", stdout=open("/dev/null", "w"))
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == ["dist_x@example.org", "sec_a@example.org"]  # sec_b has nothing overdue
    body = mail.outbox[0].body
    assert "Bùi Thị Quá Hạn" in body and f"quá hạn {(today - overdue.next_due).days} ngày" in body


class _Section:
    title = "Theo dõi, kiểm tra"

    def __init__(self, user):
        self.user = user

    def __bool__(self):
        return self.user.username == "sec_b"

    def lines(self):
        return ["Chưa kiểm tra tháng 10/2026."]


def test_other_parts_add_their_section_through_settings(tree, users, settings):
    settings.DIGEST_SECTIONS = ["tests.candidates.test_digests._Section"]
    users.secretary_b.email = "b@example.org"
    users.secretary_b.save()
    call_command("send_digests", stdout=open("/dev/null", "w"))
    (message,) = mail.outbox
    assert message.to == ["b@example.org"] and "Chưa kiểm tra tháng 10/2026." in message.body
