"""Who is changing things, and through which surface: set at the edges, read by the history.

The services write the history (cxowner.orgs.history) but never read `request`. The edges say
who acts instead, for the duration of what they do:

    with change_context(user=request.user, surface="browser"):
        cells_set(...)

The middleware does it for every browser request, the API views for the caller they
authenticated (a user or a token), commands and tasks for themselves. A contextvar carries
it, so it follows the code into any function and is isolated between threads.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ChangeContext:
    surface: str = "system"
    user: Any = None  # a user (possibly lazy: resolved only when a change is recorded)
    token: Any = None  # an ApiToken
    # Who acted when neither a user nor a token did: an identity provider signing someone in.
    actor: str = ""

    def _user(self):
        user = self.user
        return user if user is not None and getattr(user, "is_authenticated", False) and user.pk else None

    @property
    def user_id(self) -> int | None:
        user = self._user()
        return user.pk if user is not None else None

    @property
    def token_id(self) -> int | None:
        return self.token.pk if self.token is not None else None

    @property
    def label(self) -> str:
        if self.actor:
            return self.actor
        user = self._user()
        if user is not None:
            return user.get_username()
        if self.token is not None:
            return f"token “{self.token.name}”"
        return ""


_NOBODY = ChangeContext()
# No default object in the ContextVar (a shared mutable default): None reads as "the system".
_current: ContextVar[ChangeContext | None] = ContextVar("change_context", default=None)


def current_change_context() -> ChangeContext:
    return _current.get() or _NOBODY


@contextmanager
def change_context(*, surface: str, user: Any = None, token: Any = None, actor: str = "") -> Iterator[ChangeContext]:
    """Changes made inside are recorded as made by `user`, `token` or `actor` through `surface`."""
    context = ChangeContext(surface=surface, user=user, token=token, actor=actor)
    reset = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(reset)


def change_context_enter(*, surface: str, user: Any = None, token: Any = None):
    """For edges that cannot wrap a block (DRF's initial/finalize): returns what to reset."""
    return _current.set(ChangeContext(surface=surface, user=user, token=token))


def change_context_exit(reset) -> None:
    _current.reset(reset)


class ChangeContextMiddleware:
    """Every request acts as its logged-in user, through the browser or the API.

    API views that authenticate a token narrow it to that token (cxowner.orgs.api.base).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        surface = "api" if request.path.startswith("/api/") else "browser"
        with change_context(surface=surface, user=getattr(request, "user", None)):
            return self.get_response(request)
