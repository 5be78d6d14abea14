"""Template filter of a gap's comments: the @mentions of members marked, the rest escaped."""

import re

from django import template
from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe

from ownership.inbox.mentions import Mentionable, mentioned

register = template.Library()

_ANY_MENTION = re.compile(r'(?<![\w@.+-])@("[^"\r\n]{1,150}"|[\w.@+-]{1,150})')


@register.filter
def with_mentions(body: str, members: list[dict]) -> SafeString:
    """The comment's text escaped, with line breaks, and each @handle that names a member of
    `members` ({"id", "username", "name"} as the picker reads them) marked as a mention."""
    people = [Mentionable(user_id=m["id"], username=m["username"], display_name=m["name"]) for m in members or []]

    def mark(match: re.Match) -> str:
        handle = match.group(0)
        # "@exec." ends a sentence: the full stop stays outside the mark.
        core = handle.rstrip(".") if not handle.endswith('"') else handle
        if not mentioned(core, people):
            return escape(handle)
        return f'<span class="mention">{escape(core)}</span>{escape(handle[len(core) :])}'

    pieces, last = [], 0
    for match in _ANY_MENTION.finditer(body):
        pieces += [escape(body[last : match.start()]), mark(match)]
        last = match.end()
    pieces.append(escape(body[last:]))
    # linebreaks() escapes nothing once autoescape is off: the pieces are escaped already.
    return mark_safe(linebreaks("".join(pieces), autoescape=False))
