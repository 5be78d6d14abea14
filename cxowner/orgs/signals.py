"""Signals between the apps. Services send them; the audit scheduler listens (ownership.tasks)."""

from django.dispatch import Signal

# Sent with organization=… after any change to a journey, stage, touchpoint, function or letter.
matrix_changed = Signal()
