"""The Celery application; tasks live in each app's tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxowner.settings")

app = Celery("cxowner")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Each worker records a heartbeat, so /healthz can tell whether anybody takes the audits.
app.steps["worker"].add("ownership.heartbeat:WorkerHeartbeat")
