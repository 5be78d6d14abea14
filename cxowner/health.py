"""/healthz: can this process reach its database and its broker, and is a worker alive?

For load balancers and compose. The status code follows the database and the broker only: a
web server without a worker still serves pages (and runs requested audits itself), so it stays
in rotation; "worker" says whether one has recorded a heartbeat recently.
No login and no details beyond the failing exception's type: it is public.
"""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cxowner.celery import app
from cxowner.heartbeat import worker_last_seen, worker_seen_recently

BROKER_TIMEOUT_SECONDS = 3


@never_cache
@require_GET
def healthz(request):
    checks = {"database": _check(_database), "broker": _check(_broker)}
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({**checks, "worker": _worker()}, status=200 if healthy else 503)


def _worker() -> str:
    try:
        last = worker_last_seen()
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    if last is None:
        return "never seen"
    return "ok" if worker_seen_recently(last=last) else f"not seen since {last.isoformat(timespec='seconds')}"


def _check(probe) -> str:
    try:
        probe()
    except Exception as exc:  # any failure is an answer here, not a crash
        return f"error: {type(exc).__name__}"
    return "ok"


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _broker() -> None:
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
        # Connecting is lazy for some transports: open a channel to really talk to the broker.
        conn.default_channel  # noqa: B018
