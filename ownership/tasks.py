"""Every Celery task of the ownership app, for Celery's autodiscovery (it imports `<app>.tasks`).

Each capability keeps its tasks in its own package; their names stay `ownership.tasks.<task>` (the
names beat and stored schedules call). The sweep of every package's job rows lives here, the one
module that may import them all.
"""

from celery import shared_task

from cxowner.celery import RETRY_OPTIONS
from cxowner.orgs.live import live_events_prune
from ownership.automation import tasks as automation_tasks
from ownership.gaps import tasks as gaps_tasks
from ownership.gaps.audit_requests import audit_runs_expire
from ownership.imports import jobs as import_jobs
from ownership.imports.jobs import import_jobs_sweep
from ownership.inbox import tasks as inbox_tasks
from ownership.provisioning.revocations import sso_recheck_all
from ownership.reports import tasks as reports_tasks
from ownership.reports.jobs import report_jobs_expire
from ownership.reviews import tasks as reviews_tasks

__all__ = [
    "automation_tasks",
    "gaps_tasks",
    "import_jobs",
    "inbox_tasks",
    "jobs_sweep_task",
    "reports_tasks",
    "reviews_tasks",
]


@shared_task(name="ownership.tasks.jobs_sweep_task", **RETRY_OPTIONS)
def jobs_sweep_task() -> dict[str, int]:
    """Beat, every five minutes: no job row stays pending or running for ever.

    Each kind of job is marked failed, with the reason its page shows, once it is older than its
    time limit and no live worker holds it: import jobs (running past MATRIX_IMPORT_TIME_LIMIT_SECONDS;
    pending ones are sent again), audit runs (pending past AUDIT_RUN_EXPIRE_SECONDS) and report
    PDFs (waiting or running past three render time limits).
    """
    imports = import_jobs_sweep()
    return {
        "import_jobs_failed": imports["failed"],
        "import_jobs_resent": imports["resent"],
        "audit_runs_failed": audit_runs_expire(),
        "report_jobs_failed": report_jobs_expire(),
    }


@shared_task(name="ownership.tasks.live_feed_prune_task", **RETRY_OPTIONS)
def live_feed_prune_task() -> int:
    """Beat, hourly: the live feed keeps LIVE_FEED_KEEP_HOURS of changes; a page that was away
    longer reloads what it shows (docs/live.md)."""
    return live_events_prune()


@shared_task(name="ownership.tasks.sso_members_recheck_task", **RETRY_OPTIONS)
def sso_members_recheck_task() -> dict[str, str]:
    """Beat, every SSO_RECHECK_SECONDS: members an "SSO only" organization's provider no longer
    accepts leave, their roles vacant (ownership/provisioning/revocations.py)."""
    return {slug: recheck.summary() for slug, recheck in sso_recheck_all(surface="task").items()}
