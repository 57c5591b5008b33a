"""Run calls at the same moment in threads, each on its own database connection."""

import threading

from django.core.exceptions import ValidationError
from django.db import OperationalError, connection


def run_together(*calls):
    """Start every call at once (a barrier); return "ok" or the refusal each one raised."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def worker(i, call):
        try:
            barrier.wait()
            call()
            results[i] = "ok"
        except (ValidationError, OperationalError, PermissionError) as e:
            results[i] = e
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results
