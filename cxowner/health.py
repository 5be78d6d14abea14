"""/healthz: can this process reach its database and its broker? For load balancers and compose.

No login and no details beyond the failing exception's type: it is public.
"""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cxowner.celery import app

BROKER_TIMEOUT_SECONDS = 3


@never_cache
@require_GET
def healthz(request):
    checks = {"database": _check(_database), "broker": _check(_broker)}
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(checks, status=200 if healthy else 503)


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
