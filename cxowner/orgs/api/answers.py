"""The written answers of the busiest reads, kept per process under the organization's change counter.

Integrations poll the same touchpoint page and the same matrix again and again; each time the
answer was read and written anew although nothing had changed. Every write to what these
answers show bumps Organization.matrix_version in its transaction (cxowner/orgs/api/conditional.py
relies on the same for its 304s), so an answer kept under (organization, its counter, what was
asked) can never be served once something changed: the next request reads the new counter and
misses. Nothing is ever invalidated, so the processes need not share the store: each gunicorn
worker keeps its own in memory, with no network round trip and nothing to agree on.

- The key starts with the organization's id and creation time: no other organization's answer
  can match, nor one of an organization that had the same id before (a database restored, or
  a test database rolled back).
- The counter is read (with the caller's token or membership) before the answer's rows, so a
  kept answer is never older than its key: at worst a write committed meanwhile, and the kept
  answer is newer than the counter says.
- Only the compact JSON answer is kept (the browsable API and indented JSON are built each time).
"""

from __future__ import annotations

import hashlib

from django.core.cache.backends.locmem import LocMemCache

from .renderers import JSONRenderer

# A matrix of 500 touchpoints is about 250 kB: at most some 30 MB a worker, dropped after 10 minutes.
_kept = LocMemCache("cxowner-api-answers", {"TIMEOUT": 600, "OPTIONS": {"MAX_ENTRIES": 128, "CULL_FREQUENCY": 4}})


def answer_key(request, *asked) -> str | None:
    """The key of this request's answer, or None when its answer is not kept (not compact JSON)."""
    renderer = getattr(request, "accepted_renderer", None)
    if type(renderer) is not JSONRenderer or renderer.get_indent(request.accepted_media_type, {}) is not None:
        return None
    organization = request.organization
    made = organization.created_at.timestamp()
    # What was asked can be a long address: its digest keeps the key short and of one shape.
    digest = hashlib.blake2b(repr(asked).encode(), digest_size=16).hexdigest()
    return f"{organization.pk}:{made}:{organization.matrix_version}:{digest}"


def answer_get(key: str | None):
    return None if key is None else _kept.get(key)


def answer_keep(key: str | None, answer) -> None:
    if key is not None:
        _kept.set(key, answer)


def answers_forget() -> None:
    """For tests that change rows behind the services' back (nothing else needs it)."""
    _kept.clear()
