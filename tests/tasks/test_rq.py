"""The RQ backend (``TASKS_BACKEND=rq``) against a real Redis on 127.0.0.1:6379 with a real
``rqworker`` (``manage.py tasks_worker``): a run is done once, a worker killed mid-task is noticed
by the reaper and the run done on its retry. CI runs it on the PostgreSQL pass
(``PARTYDEV_TASKS_REDIS=1`` in ``.ci/run``); ``TASKS_REDIS_URL`` picks the Redis database."""

import contextlib
import os
import signal

import pytest

from .worker import assert_runs_once_with_progress, build, drop_scratch_database

REDIS_URL = os.environ.get("TASKS_REDIS_URL", "redis://127.0.0.1:6379/3")

pytestmark = pytest.mark.skipif(
    os.environ.get("PARTYDEV_TASKS_REDIS") != "1", reason="Redis tests: PARTYDEV_TASKS_REDIS=1 (CI, PostgreSQL pass)"
)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    scratch = build(tmp_path_factory.mktemp("tasks-rq"), "tasks_rq", TASKS_BACKEND="rq", TASKS_REDIS_URL=REDIS_URL)
    yield scratch
    scratch.stop_all()
    drop_scratch_database(scratch.url)
    redis.Redis.from_url(REDIS_URL).flushdb()


def test_rq_runs_a_task_once_with_its_progress_and_result(scratch):
    assert_runs_once_with_progress(scratch)


def test_rq_a_killed_worker_is_noticed_and_its_run_retried(scratch):
    run = scratch.call("start_task", path="tests.tasks.scenario.dies_once", kwargs={"marker": "rq-dies"})["run"]
    worker = scratch.worker()
    horse = scratch.wait_marker("rq-dies")
    scratch.kill(worker)  # SIGKILL to the worker, and to its work horse (RQ gives it a session of its own)
    with contextlib.suppress(ProcessLookupError):
        os.kill(horse, signal.SIGKILL)
    assert scratch.call("reap")["retried"] == 1
    worker = scratch.worker()
    done = scratch.wait_state(lambda s: s["run"]["status"] == "done", run=run)
    assert done["run"]["summary"] == "xong ở lần chạy thứ 2"
    scratch.kill(worker)


def test_rq_commits_an_upload_confirmed_twice_once(scratch):
    upload = scratch.call("previewed_upload", rows=100)["upload"]
    runs = scratch.call("start_commit", upload=upload, importer="members.imports.MemberImporter", times=2)["runs"]
    assert len(set(runs)) == 1
    worker = scratch.worker()
    done = scratch.wait_state(lambda s: s["run"]["status"] == "done", run=runs[0], upload=upload)
    assert done["upload"] == {"status": "committed", "created": 100} and done["people"] == 100
    scratch.kill(worker)
