"""Real Celery workers and beat against this machine's PostgreSQL and Redis.

Each test starts `celery -A cxowner worker` (and beat) as subprocesses on the pytest test
database and its own queue, and stops them in a finally block. The tests skip without
PostgreSQL and Redis (and fail in CI, where REQUIRE_SERVICES=1). Afterwards they remove the
Redis keys their queue and workers left behind, and only those: other runs may share Redis.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from channels.db import database_sync_to_async
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from cxowner.heartbeat import worker_last_seen
from cxowner.orgs.models import Organization
from ownership.automation.schedules import audit_schedule_set
from ownership.gaps.audit_requests import audit_request
from ownership.gaps.tasks import audit_run_task
from ownership.models import AuditRun, Gap, GapEvent, WebhookDelivery
from tests.automation.test_notifications import Receiver, signature_is_valid
from tests.factories import AssignmentFactory, OrganizationFactory, StageFactory, TouchpointFactory, WebhookFactory

BASE_DIR = Path(settings.BASE_DIR)
CELERY = str(Path(sys.executable).with_name("celery"))
TIMEOUT = 60  # seconds any one wait may take; every test is bounded by a few of them


def _services_missing() -> str:
    if connection.vendor != "postgresql":
        return "needs PostgreSQL (DATABASE_URL)"
    if not settings.REDIS_URL:
        return "needs Redis (REDIS_URL)"
    return ""


# Every test with a real worker: PostgreSQL and Redis, committed transactions the worker sees.
WORKER_MARKS = [
    pytest.mark.worker,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.skipif(bool(_services_missing()), reason=_services_missing() or "services present"),
    pytest.mark.django_db(transaction=True),
]
pytestmark = WORKER_MARKS


class Celery:
    """Starts worker and beat processes for one test, on the test database and a private queue."""

    def __init__(self, tmp_path: Path, queue: str):
        self.tmp_path, self.queue = tmp_path, queue
        self.processes: list[tuple[subprocess.Popen, Path]] = []
        self.node_prefixes: list[str] = []  # "name-1a2b3c@": the workers' node names up to the host
        db = connection.settings_dict
        credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        self.env = {
            key: value for key, value in os.environ.items() if key not in {"PYTEST_VERSION", "PYTEST_CURRENT_TEST"}
        }
        self.env.update(
            DATABASE_URL=f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            REDIS_URL=settings.REDIS_URL,
            CELERY_BROKER_URL=settings.REDIS_URL,
            CELERY_TASK_DEFAULT_QUEUE=queue,
            CELERY_TASK_ALWAYS_EAGER="false",
            DEBUG="true",
            AUDIT_ON_CHANGE="false",
            # Short, so a dead worker's message is handed to the next one within seconds.
            CELERY_VISIBILITY_TIMEOUT="5",
            CELERY_UNACKED_RESTORE_INTERVAL="1",
            CELERY_UNACKED_RESTORE_THROTTLE="1",
            WEBHOOK_RETRY_BACKOFF_SECONDS="1",
            WEBHOOK_MAX_ATTEMPTS="3",
            WEBHOOK_ALLOWED_HOSTS="127.0.0.1",
            AUDIT_LOCK_RETRY_MAX_SECONDS="2",
        )

    def worker(self, name: str, concurrency: int = 1, **env: str) -> subprocess.Popen:
        command = [CELERY, "-A", "cxowner", "worker", "-l", "info", "-Q", self.queue, "-c", str(concurrency)]
        node_prefix = f"{name}-{uuid.uuid4().hex[:6]}@"
        self.node_prefixes.append(node_prefix)
        command += ["-n", f"{node_prefix}%h", "--without-gossip", "--without-mingle"]
        return self._start(name, command, env)

    def beat(self) -> subprocess.Popen:
        command = [CELERY, "-A", "cxowner", "beat", "-l", "info", "--pidfile", str(self.tmp_path / "beat.pid")]
        command += ["-s", str(self.tmp_path / "beat-schedule")]
        return self._start("beat", command, {})

    def _start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = self.tmp_path / f"{name}.log"
        with log.open("ab") as out:
            process = subprocess.Popen(
                command,
                cwd=BASE_DIR,
                env={**self.env, **env},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: SIGKILL reaches the pool too
            )
        self.processes.append((process, log))
        return process

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL the process and its children at once: no warm or cold shutdown."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def stop(self) -> None:
        for process, _ in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process, _ in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)

    def logs(self) -> str:
        return "\n".join(f"== {log.name}\n{log.read_text(errors='replace')[-4000:]}" for _, log in self.processes)

    def wait_for(self, condition: Callable[[], object], what: str, timeout: float = TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.2)
        pytest.fail(f"Timed out after {timeout}s waiting for {what}.\n{self.logs()}")


@pytest.fixture
def celery(tmp_path):
    queue = f"cxowner-test-{uuid.uuid4().hex[:10]}"
    app = audit_run_task.app
    saved = app.conf.task_always_eager, app.conf.task_default_queue
    # This process sends real messages too (audit_request), to the workers' private queue.
    app.conf.task_always_eager, app.conf.task_default_queue = False, queue
    runner = Celery(tmp_path, queue)
    try:
        yield runner
    finally:
        runner.stop()
        app.conf.task_always_eager, app.conf.task_default_queue = saved
        forget_broker_keys(queue=queue, node_prefixes=runner.node_prefixes)


def forget_broker_keys(*, queue: str, node_prefixes: list[str]) -> None:
    """Delete what this test's queue and workers left in Redis, and nothing else.

    Every key naming the queue is this test's (the name is unique): kombu's queue lists and
    binding tables, which it never removes, and the workers' heartbeat in the cache. A SIGKILLed
    worker also leaves its entry in the shared `celery.pidbox` table: only that entry goes.
    """
    sep = "\x06\x16"  # kombu's Redis transport joins routing key, pattern and queue with it
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        ours = list(client.scan_iter(match=f"*{queue}*", count=1000))
        if ours:
            client.delete(*ours)
        for table in ("_kombu.binding.celery.pidbox", "_kombu.binding_permanent.celery.pidbox"):
            for member in client.smembers(table):
                pidbox = member.decode().rpartition(sep)[2]
                if pidbox.startswith(tuple(node_prefixes)):
                    client.srem(table, member)
                    client.delete(pidbox)
        # The table's expiry deadline goes with the table, unless another run's workers still use it.
        if not client.exists("_kombu.binding.celery.pidbox"):
            client.zrem("_kombu.binding_deadlines", "celery.pidbox")
    finally:
        client.close()


def organization_with_gaps() -> Organization:
    organization = OrganizationFactory()
    stage = StageFactory(journey__organization=organization)
    TouchpointFactory(stage=stage)
    AssignmentFactory(touchpoint=TouchpointFactory(stage=stage), letter="A")
    return organization


def request_audit(organization: Organization) -> AuditRun:
    with transaction.atomic():  # sent to the broker when this commits
        return audit_request(organization=organization, trigger=AuditRun.Trigger.API)


def audit_in_progress(organization: Organization) -> bool:
    """True while some audit holds the organization's row lock (written, not yet committed)."""
    try:
        with transaction.atomic():
            list(Organization.objects.select_for_update(nowait=True, no_key=True).filter(pk=organization.pk))
    except OperationalError:
        return True
    return False


def test_scheduled_audit_runs(celery):
    organization = organization_with_gaps()
    schedule = audit_schedule_set(organization=organization, minute="*", hour="*")
    # The last run was ten minutes ago: the every-minute schedule is due the moment beat starts.
    PeriodicTask.objects.filter(pk=schedule.pk).update(last_run_at=timezone.now() - timedelta(minutes=10))

    celery.worker("worker")
    celery.beat()

    done = AuditRun.objects.filter(organization=organization, trigger=AuditRun.Trigger.SCHEDULE, status="done")
    celery.wait_for(done.exists, "beat to schedule the audit and the worker to run it")
    assert "Sending due task" in celery.logs()


def test_two_audits_requested_at_once_run_one_at_a_time(celery):
    organization = organization_with_gaps()
    # Each audit holds its lock two seconds: long enough for the second to find it taken.
    celery.worker("worker", concurrency=2, AUDIT_TEST_DELAY_SECONDS="2")

    with transaction.atomic():
        first = audit_request(organization=organization, trigger=AuditRun.Trigger.API)
        second = audit_request(organization=organization, trigger=AuditRun.Trigger.API)

    runs = AuditRun.objects.filter(pk__in=[first.pk, second.pk], status="done")
    celery.wait_for(lambda: runs.count() == 2, "both audits to finish")
    earlier, later = sorted(runs, key=lambda run: run.started_at)
    assert earlier.finished_at <= later.started_at, "the two audits overlapped"
    assert "AuditLocked" in celery.logs(), "the second audit never found the first one's lock"


def test_a_running_worker_records_its_heartbeat(celery):
    celery.worker("worker")
    celery.wait_for(lambda: worker_last_seen(queue=celery.queue) is not None, "the worker's heartbeat")
    assert timezone.now() - worker_last_seen(queue=celery.queue) < timedelta(minutes=1)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended while we looked
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_a_worker_runs_below_the_web_servers_cpu_priority(celery):
    process = celery.worker("worker", WORKER_NICE="7")
    celery.wait_for(lambda: _children(process.pid), "the worker's pool")
    pool = _children(process.pid)
    for pid in [process.pid, *pool]:
        assert os.getpriority(os.PRIO_PROCESS, pid) == os.getpriority(os.PRIO_PROCESS, 0) + 7


def test_worker_killed_mid_audit_leaves_exactly_one_complete_run(celery):
    organization = organization_with_gaps()
    doomed = celery.worker("doomed", AUDIT_TEST_DELAY_SECONDS="30")
    run = request_audit(organization)

    celery.wait_for(lambda: audit_in_progress(organization), "the audit to start")
    celery.kill(doomed)

    run.refresh_from_db()
    assert run.status == AuditRun.Status.PENDING
    assert not Gap.objects.filter(organization=organization).exists(), "the killed audit left gaps behind"

    celery.worker("survivor")
    celery.wait_for(
        lambda: AuditRun.objects.filter(pk=run.pk, status="done").exists(), "a new worker to redo the audit"
    )
    [done] = AuditRun.objects.filter(organization=organization)
    assert done.pk == run.pk
    assert Gap.objects.filter(organization=organization).count() == done.open_gaps
    assert GapEvent.objects.filter(run=done).count() == done.opened_count


def test_webhook_receiver_gets_a_correctly_signed_payload(celery):
    organization = organization_with_gaps()
    celery.worker("worker")
    with Receiver(status=200) as receiver:
        webhook = WebhookFactory(organization=organization, url=receiver.url)
        run = request_audit(organization)
        celery.wait_for(lambda: receiver.requests, "the webhook delivery")

    [request] = receiver.requests
    assert signature_is_valid(webhook.secret, request)
    assert request["headers"]["X-Cxowner-Run"] == str(run.pk)
    celery.wait_for(WebhookDelivery.objects.filter(webhook=webhook, succeeded=True).exists, "the delivery record")


def test_webhook_answering_500_is_retried_and_every_attempt_recorded(celery):
    organization = organization_with_gaps()
    celery.worker("worker")
    with Receiver(status=500) as receiver:
        webhook = WebhookFactory(organization=organization, url=receiver.url)
        request_audit(organization)
        deliveries = WebhookDelivery.objects.filter(webhook=webhook)
        celery.wait_for(lambda: deliveries.count() >= 3, "three delivery attempts (WEBHOOK_MAX_ATTEMPTS=3)")
        time.sleep(3)  # long enough for a fourth attempt, were there one

    assert len(receiver.requests) == 3, celery.logs()
    assert all(signature_is_valid(webhook.secret, request) for request in receiver.requests)
    assert sorted(deliveries.values_list("attempt", "status_code", "succeeded")) == [
        (1, 500, False),
        (2, 500, False),
        (3, 500, False),
    ]


def test_an_audit_the_worker_ran_reaches_an_open_page(celery):
    """The worker's change goes through Redis to a socket of the organization (docs/live.md)."""
    from asgiref.sync import async_to_sync
    from channels.testing import WebsocketCommunicator

    from cxowner.asgi import application
    from tests.factories import MembershipFactory, client_for

    organization = organization_with_gaps()
    session = client_for(MembershipFactory(organization=organization).user).cookies["sessionid"].value
    socket = WebsocketCommunicator(
        application,
        f"/ws/o/{organization.slug}/live/",
        headers=[(b"origin", b"http://127.0.0.1"), (b"cookie", f"sessionid={session}".encode())],
    )
    celery.worker("worker")

    async def scenario():
        assert (await socket.connect())[0]
        await socket.receive_json_from()  # hello
        await database_sync_to_async(request_audit)(organization)
        message = await socket.receive_json_from(timeout=TIMEOUT)
        await socket.disconnect()
        return message

    message = async_to_sync(scenario)()
    assert message["kind"] == "audit"
    assert message["gap_ids"] == sorted(Gap.objects.filter(organization=organization).values_list("id", flat=True))
