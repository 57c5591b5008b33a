"""The faults of issue 18 with a real worker process (``manage.py tasks_worker``, the database
backend) on a scratch copy of the demo tree: SQLite by default, PostgreSQL when ``DATABASE_URL``
says so. Each step runs in a process of its own, as the web server and the worker would."""

import pytest

from .worker import assert_runs_once_with_progress, build, drop_scratch_database

FAILED_TWICE = "dừng đột ngột hai lần"


@pytest.fixture(scope="module")
def scratch_database(tmp_path_factory):
    scratch = build(tmp_path_factory.mktemp("tasks-db"), "tasks_worker", TASKS_EXPORT_INLINE_MAX_ROWS="-1")
    yield scratch
    scratch.stop_all()
    drop_scratch_database(scratch.url)


@pytest.fixture
def scratch(scratch_database):
    """The module's scratch database; each test's workers stop with it, so a failed test leaves
    no stalled worker holding the database's write lock for the next."""
    yield scratch_database
    scratch_database.stop_all()


def test_a_killed_commit_leaves_nothing_half_written_is_retried_once_then_fails(scratch):
    upload = scratch.call("previewed_upload", rows=300)["upload"]
    first, second = scratch.call("start_commit", upload=upload, times=2)["runs"]
    assert first == second, "the same upload confirmed twice is one run"

    worker = scratch.worker()
    scratch.wait_marker("in-commit")
    # Every row is written, the transaction is open: another process reads the progress the
    # worker wrote from inside it (a step reported within MIN_INTERVAL of the last write is
    # written by the heartbeat within QUIET, about a second), and none of the rows.
    during = scratch.wait_state(
        lambda s: s["progress"]["step"].startswith("Đã ghi hết các dòng, chưa kết thúc giao dịch"),
        timeout=30,
        run=first,
        upload=upload,
    )
    assert during["run"]["status"] == "running"
    assert during["people"] == 0

    scratch.kill(worker)  # SIGKILL, mid-commit
    after = scratch.call("state", run=first, upload=upload)
    assert after["people"] == 0 and after["upload"]["status"] == "previewed"
    assert after["run"]["status"] == "running"  # nobody told the framework

    assert scratch.call("reap")["retried"] == 1
    assert scratch.call("state", run=first)["run"]["status"] == "queued"
    worker = scratch.worker()
    scratch.wait_marker("in-commit")
    scratch.kill(worker)
    assert scratch.call("reap") == {"retried": 0, "failed": 1, "requeued_lost": 0}

    end = scratch.call("state", run=first, upload=upload)
    assert end["run"]["status"] == "failed" and end["run"]["attempts"] == 2
    assert FAILED_TWICE in end["run"]["error"]
    assert end["people"] == 0 and end["upload"]["status"] == "previewed"


def test_the_same_upload_confirmed_twice_is_written_once(scratch):
    upload = scratch.call("previewed_upload", rows=200)["upload"]
    before = scratch.call("state")["runs"]
    runs = scratch.call("start_commit", upload=upload, importer="members.imports.MemberImporter", times=2)["runs"]
    assert len(set(runs)) == 1
    scratch.call("start_task", path="tests.tasks.scenario.counts_slowly", kwargs={"steps": 1})
    worker = scratch.worker()
    done = scratch.wait_state(lambda s: s["run"]["status"] == "done", run=runs[0], upload=upload)
    assert done["upload"] == {"status": "committed", "created": 200}
    assert done["people"] == 200 and done["run"]["attempts"] == 1
    assert done["run"]["summary"].startswith("Đã ghi: 200 thêm mới")
    assert done["runs"] == before + 2
    scratch.kill(worker)


def test_a_queued_task_outlives_a_restart_and_a_dead_worker_is_retried(scratch):
    # Queued while no worker runs (the server restarting): the run waits in the database.
    run = scratch.call("start_task", path="tests.tasks.scenario.dies_once", kwargs={"marker": "dies"})["run"]
    worker = scratch.worker()
    scratch.wait_marker("dies")
    scratch.kill(worker)
    assert scratch.call("reap")["retried"] == 1
    worker = scratch.worker()
    done = scratch.wait_state(lambda s: s["run"]["status"] != "queued" and s["run"]["status"] != "running", run=run)
    assert done["run"]["status"] == "done" and done["run"]["summary"] == "xong ở lần chạy thứ 2"
    scratch.kill(worker)


def test_a_run_delivered_twice_runs_once_and_reports_its_progress(scratch):
    assert_runs_once_with_progress(scratch)


def test_the_province_register_is_exported_by_the_worker(scratch):
    run = scratch.call("start_export", code="HB")["run"]
    worker = scratch.worker()
    done = scratch.wait_state(lambda s: s["run"]["status"] in ("done", "failed"), run=run)
    assert done["run"]["status"] == "done", done
    assert done["run"]["file"].startswith("dang-vien-HB-") and done["run"]["size"] > 1000
    scratch.kill(worker)
