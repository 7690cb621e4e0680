"""A real Celery worker for integration tests (not a test module: shared by the tests that need a worker)."""

import contextlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent


def redis_url():
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"Redis is not reachable at {url}")
    return url


def database_url_of_the_test_database():
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        assert str(db["NAME"]).startswith("/"), "the test settings must give SQLite a file test database"
        return f"sqlite:///{db['NAME']}"
    assert db["ENGINE"] == "django.db.backends.postgresql"
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _forget_unacknowledged(client, queue):
    """Drop the broker's record of messages a killed worker took from `queue` and never acknowledged: Redis would
    hand them out again after the visibility timeout, long after this test, to whichever worker polls then."""
    for tag, payload in client.hgetall("unacked").items():
        with contextlib.suppress(ValueError, IndexError, TypeError):
            if json.loads(payload)[2] == queue:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)


@contextlib.contextmanager
def celery_worker(tmp_path, *, pool="solo", name="worker", **env_overrides):
    """A real worker process on a queue of its own, against Redis and this test's database.

    Yields a function that queues a task (`send_notification` unless named) for an id, the worker process
    and its log file. The worker leads a process group of its own (`os.killpg(worker.pid, …)` reaches a
    prefork pool's children too, and nothing of the test runner).
    """
    from celery import Celery

    broker = redis_url()
    queue = f"kjfdy-test-{uuid.uuid4().hex}"
    log_path = tmp_path / f"{name}.log"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base", "DJANGO_DEBUG": "False",
           "DATABASE_URL": database_url_of_the_test_database(), "REDIS_URL": broker, **env_overrides}
    pool_args = ["--pool=solo"] if pool == "solo" else [f"--pool={pool}", "--concurrency=1"]
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [str(Path(sys.executable).parent / "celery"), "-A", "config.celery_app", "worker", *pool_args,
             "-Q", queue, "-n", f"{queue}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "-l", "info"],
            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        probe = Celery("probe", broker=broker, set_as_current=False)  # shared_task proxies keep our app
        try:
            def send(pk, task="certification.tasks.send_notification"):
                probe.send_task(task, args=[pk], queue=queue)

            yield send, worker, log_path
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
            with probe.connection_for_write() as conn:
                client = conn.default_channel.client
                client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
                _forget_unacknowledged(client, queue)
            probe.close()
