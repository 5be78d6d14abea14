"""cxowner: who owns each part of the customer experience."""

from .celery import app as celery_app

__all__ = ("celery_app",)
