"""Timings of pipeline writes for ``make bench`` (run on the seeded throwaway database): one
stage change through the service and through the page, each on a fresh candidate; and the
candidate whose page is measured."""

import datetime
import statistics
import time

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from candidates import services
from candidates.models import Candidate, Stage


def detail_candidate() -> int | None:
    """The candidate whose page ``make bench`` reads: one of the city's, outside the cell whose
    candidates the cold rounds move."""
    return (
        Candidate.objects.filter(cell__code__startswith="HB.TP.")
        .exclude(cell__code__startswith="HB.TP.001.")
        .order_by("id")
        .values_list("pk", flat=True)
        .first()
    )


def _vote_data(c: Candidate) -> dict:
    day = min(timezone.localdate(), c.stage_date + datetime.timedelta(days=7))
    return {"cell_vote_date": day, "cell_present": 9, "cell_total": 10, "cell_votes_for": 9}


def measurements(repeat: int = 25) -> list[tuple[str, str]]:
    User = get_user_model()
    district = User.objects.get(username="district")
    waiting = list(
        Candidate.objects.filter(cell__code__startswith="HB.TP.", stage=Stage.VERIFICATION)
        .select_related("cell", "person")
        .order_by("id")[: 2 * repeat + 2]
    )
    service_times, page_times, queries = [], [], 0
    for c in waiting[:repeat]:
        t0 = time.perf_counter()
        services.candidate_advance(
            c.pk, Stage.CELL_VOTE, data=_vote_data(c), user=district, override_reason="đo hiệu năng"
        )
        service_times.append((time.perf_counter() - t0) * 1000)
    client = Client()
    client.force_login(district)
    for i, c in enumerate(waiting[repeat : 2 * repeat]):
        data = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in _vote_data(c).items()}
        post = {"stage": Stage.CELL_VOTE, "version": c.version, "override_reason": "đo hiệu năng", **data}
        t0 = time.perf_counter()
        if i == 0:
            with CaptureQueriesContext(connection) as ctx:
                response = client.post(f"/candidates/{c.pk}/step/", post)
            queries = len(ctx.captured_queries)
        else:
            response = client.post(f"/candidates/{c.pk}/step/", post)
        page_times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 302, response.status_code
    return [
        ("Một lần chuyển giai đoạn (dịch vụ), trung vị", f"{statistics.median(service_times):.1f} ms"),
        (
            "Một lần chuyển giai đoạn (gửi biểu mẫu, cả chuyển hướng), trung vị",
            f"{statistics.median(page_times):.1f} ms, {queries} truy vấn",
        ),
    ]
