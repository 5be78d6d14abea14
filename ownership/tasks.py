"""Every Celery task of the ownership app, for Celery's autodiscovery (it imports `<app>.tasks`).

Each capability keeps its tasks in its own package; their names stay `ownership.tasks.<task>` (the
names beat and stored schedules call).
"""

from ownership.automation import tasks as automation_tasks
from ownership.gaps import tasks as gaps_tasks
from ownership.imports import jobs as import_jobs
from ownership.reports import tasks as reports_tasks
from ownership.reviews import tasks as reviews_tasks

__all__ = ["automation_tasks", "gaps_tasks", "import_jobs", "reports_tasks", "reviews_tasks"]
