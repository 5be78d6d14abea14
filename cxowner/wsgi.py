"""WSGI entry point for gunicorn."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import reverse

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxowner.settings")
application = get_wsgi_application()


def _warm_up() -> None:
    """Do while the worker boots what its first requests would otherwise wait for (issue 23: in
    the first seconds of a load, 10-14 % of the server's samples were imports): import every view
    through the URLconf, build the resolver's reverse tables, and import the task modules the
    views hand work to."""
    from cxowner.celery import app

    reverse("api:ping")
    reverse("api:organization-detail", kwargs={"org": "warm-up"})
    app.loader.import_default_modules()


_warm_up()
