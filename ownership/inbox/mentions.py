"""Mentions in a gap's comments: @username, or @"Display Name" for a name with spaces.

Pure text work (no database): which handles a comment names, and which members they are, given
the members' usernames and display names. A handle that names nobody stays plain text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# @"Ana Lima" — a display name in quotes, on one line.
_QUOTED = re.compile(r'(?<![\w@])@"([^"\r\n]{1,150})"')
# @ana.lima — Django's username characters; not inside an e-mail address (ana@example.com).
_HANDLE = re.compile(r"(?<![\w@.+-])@([\w.@+-]{1,150})")


@dataclass(frozen=True)
class Mentionable:
    """A member as a comment may name them."""

    user_id: int
    username: str
    display_name: str


def display_name(user) -> str:
    """What the app calls a person: their full name, or their username when they gave none."""
    return user.get_full_name().strip() or user.get_username()


def mention_handles(body: str) -> tuple[set[str], set[str]]:
    """The usernames and the quoted display names a comment mentions, lower-cased."""
    names = {match.casefold().strip() for match in _QUOTED.findall(body)}
    without_quoted = _QUOTED.sub(" ", body)
    # A sentence's full stop after "@exec." is not part of the username.
    usernames = {match.rstrip(".").casefold() for match in _HANDLE.findall(without_quoted)}
    return usernames - {""}, names - {""}


def mentioned(body: str, members: Iterable[Mentionable]) -> list[int]:
    """The user ids of the members the comment mentions, by username or by display name."""
    usernames, names = mention_handles(body)
    if not usernames and not names:
        return []
    found = [
        member.user_id
        for member in members
        if member.username.casefold() in usernames
        or member.display_name.casefold() in names
        or member.display_name.casefold() in usernames  # @Ana for a member called "Ana"
    ]
    return sorted(set(found))
