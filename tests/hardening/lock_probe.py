"""Run by ``test_write_lock.py`` in a process of its own, on a fresh SQLite file (the test
database is in memory, out of another process's reach): a second process takes SQLite's write
lock and keeps it while this one answers a 404 (which writes an audit row), a login and a
candidate add through Django's test client. Prints what it saw as JSON.

Usage: DATABASE_URL=sqlite:////tmp/x.sqlite3 python tests/hardening/lock_probe.py
"""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partydev.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from candidates.models import Candidate  # noqa: E402
from members.models import Person  # noqa: E402
from organizations.models import Kind, Role  # noqa: E402
from organizations.services import organization_create  # noqa: E402
from partydev.audit import AuditEvent  # noqa: E402

HOLD = """
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
c.execute("ROLLBACK")
"""


def main():
    setup_test_environment()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model

    province = organization_create(parent=None, code="L", name="Tỉnh L", kind=Kind.PROVINCE)
    district = organization_create(parent=province, code="L.X", name="Huyện X", kind=Kind.DISTRICT)
    grassroots = organization_create(parent=district, code="L.X.1", name="Xã Y", kind=Kind.GRASSROOTS_COMMITTEE)
    cell = organization_create(parent=grassroots, code="L.X.1.A", name="Chi bộ A", kind=Kind.CELL)
    user = get_user_model().objects.create_user(username="lock_staff", password="a-long-test-password")
    Role.objects.create(user=user, organization=district, kind=Role.Kind.DISTRICT_STAFF)

    staff = Client()
    staff.force_login(user)  # before the lock: a login writes the session
    staff.get("/candidates/add/")  # the session's clocks settle
    before = {
        "persons": Person.objects.count(),
        "candidates": Candidate.objects.count(),
        "audit": AuditEvent.objects.count(),
    }
    db = settings.DATABASES["default"]["NAME"]
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "locked"
    seen = {}
    try:
        for name, call in (
            ("not_found", lambda: staff.get("/orgs/NO-SUCH-CODE/")),
            ("read", lambda: staff.get("/candidates/add/")),
            (
                "add",
                lambda: staff.post(
                    "/candidates/add/",
                    {
                        "full_name": "Lò Thị Khóa",
                        "date_of_birth": "2000-03-04",
                        "sex": "female",
                        "general_education": "upper_secondary",
                        "ethnicity": "thai",
                        "source_kind": "residential_area",
                        "cell": cell.code,
                        "effective_date": "2024-03-01",
                    },
                ),
            ),
            (
                "login",
                lambda: Client().post(
                    "/accounts/login/", {"username": "lock_staff", "password": "a-long-test-password"}
                ),
            ),
        ):
            start = time.monotonic()
            response = call()
            seen[name] = {
                "status": response.status_code,
                "seconds": round(time.monotonic() - start, 2),
                "body": response.content.decode("utf-8", "replace")[:20000],
            }
    finally:
        holder.communicate("\n", timeout=30)
    after = {
        "persons": Person.objects.count(),
        "candidates": Candidate.objects.count(),
        "audit": AuditEvent.objects.count(),
    }
    # After the lock: the same add goes through.
    print(json.dumps({"seen": seen, "before": before, "after": after}, ensure_ascii=False))


if __name__ == "__main__":
    main()
