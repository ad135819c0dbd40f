"""Large imports run on the task queue: inline in immediate mode, and for real through Redis."""

from __future__ import annotations

import uuid

import pytest
import redis
from django.urls import reverse
from huey import RedisHuey
from huey.contrib import djhuey

from salesalign.core.models import ImportBatch
from salesalign.sales.models import Order
from salesalign.sales.tests.import_helpers import (
    check,
    commit,
    csv_file,
)

pytestmark = pytest.mark.django_db

REDIS_URL = "redis://127.0.0.1:6379/0"


def big_file(count: int = 30) -> bytes:
    return csv_file(*(f"SO-{n},2024-03-05,C001,,sales1,,HW,1,{n + 1},,,,,,," for n in range(count)))


def test_a_large_file_is_checked_and_committed_in_the_background(
    world, settings, immediate_tasks, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 10
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        batch = check(world.cast, big_file())
    assert len(callbacks) == 1  # the check went to the queue
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert batch.progress == 100
    assert batch.new_count == 30
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        commit(world.cast, batch)
    assert len(callbacks) == 1
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    assert Order.objects.count() == 30


def test_a_small_file_runs_inline_without_the_queue(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        batch = check(world.cast, big_file(3))
    assert callbacks == []
    assert batch.status == ImportBatch.Status.PREVIEWED


def test_the_page_shows_a_progress_bar_polled_until_the_worker_is_done(world, settings):
    settings.IMPORT_BACKGROUND_ROWS = 10
    batch = check(world.cast, big_file())  # no worker runs: it stays queued
    assert batch.status == ImportBatch.Status.QUEUED
    client = world.cast.client_for("admin")
    page = client.get(reverse("sales:import_preview", args=[batch.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert 'class="progress"' in page
    assert 'id="import-commit"' not in page
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.RUNNING, progress=40)
    partial = client.get(reverse("sales:import_progress", args=[batch.pk]), HTTP_HX_REQUEST="true")
    assert 'aria-valuenow="40"' in partial.content.decode()
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.PREVIEWED, progress=100
    )
    done = client.get(reverse("sales:import_progress", args=[batch.pk]), HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"


def test_a_failing_task_leaves_a_failed_batch_not_a_running_one(
    world, settings, immediate_tasks, monkeypatch, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 10

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("salesalign.sales.importing.check_plan", explode)
    with django_capture_on_commit_callbacks(execute=True):
        batch = check(world.cast, big_file())
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert "stopped unexpectedly" in batch.errors[0]["reason"]


@pytest.fixture
def redis_queue(monkeypatch):
    """The project's tasks, queued in Redis under a name of their own for this test run."""
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError as error:
        pytest.skip(f"Redis is not reachable on 127.0.0.1:6379 ({error})")
    queue = RedisHuey(f"salesalign-test-{uuid.uuid4().hex}", url=REDIS_URL)
    monkeypatch.setattr(djhuey.HUEY, "storage", queue.storage)
    monkeypatch.setattr(djhuey.HUEY, "_immediate", False)
    # A worker closes stale connections around a task; here the test's transaction must stay open.
    monkeypatch.setattr(djhuey, "close_old_connections", lambda: None)
    try:
        yield djhuey.HUEY
    finally:
        queue.storage.flush_all()


def test_a_large_import_is_committed_through_the_redis_backed_queue(
    world, settings, redis_queue, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 10
    with django_capture_on_commit_callbacks(execute=True):
        batch = check(world.cast, big_file())
    assert redis_queue.pending_count() == 1
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.QUEUED
    redis_queue.execute(redis_queue.dequeue())
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED
    with django_capture_on_commit_callbacks(execute=True):
        commit(world.cast, batch)
    assert redis_queue.pending_count() == 1
    assert Order.objects.count() == 0
    task = redis_queue.dequeue()
    assert task.name.endswith("import_commit_task")
    redis_queue.execute(task)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    assert Order.objects.count() == 30
    assert redis_queue.pending_count() == 0
