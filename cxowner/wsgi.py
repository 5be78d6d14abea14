"""WSGI entry point for gunicorn."""

import gc
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


def _heap_frozen() -> None:
    """Leave the objects of the warmed-up process out of every later garbage collection.

    A collection of the oldest generation walks every object the process holds, with the
    interpreter held: every thread of the worker stops. Django, DRF and the views imported above
    are ~175k objects that live as long as the process, so the walks never free them; they made
    each such collection cost ~125 ms of CPU (in-process, 400 API cell edits: 122-132 ms; frozen,
    17-40 ms), and under bench_load a web worker made several a minute, on cores already busy:
    a stall of every edit the worker was serving. Frozen, a collection walks what requests made.
    """
    gc.collect()
    gc.freeze()


_warm_up()
_heap_frozen()
