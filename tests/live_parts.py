"""The live parts of a page's HTML (its elements marked data-live-key, outermost only), so that a
test can hold a live fragment against the page it refreshes: static/js/livepages.js puts a
fragment's keyed elements in place of the page's, so they must be drawn the same way."""

from __future__ import annotations

import re
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Each rendering masks the CSRF token anew: the same token, written differently.
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


class _Keyed(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=False)
        self.html = html
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", html)]
        self.open: list[tuple[str, str | None, int]] = []
        self.found: dict[str, str] = {}

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def _outermost(self) -> bool:
        return not any(key for _, key, _ in self.open)

    def handle_starttag(self, tag, attrs):
        key = dict(attrs).get("data-live-key")
        if tag in VOID:
            if key and self._outermost():
                self.found[key] = self.get_starttag_text()
            return
        self.open.append((tag, key, self._offset()))

    def handle_endtag(self, tag):
        while self.open:
            name, key, start = self.open.pop()
            if name == tag:
                break
        if key and self._outermost():
            self.found[key] = self.html[start : self._offset() + len(f"</{tag}>")]


def live_parts(html: str) -> dict[str, str]:
    """{key: the element's HTML} of the outermost keyed elements, CSRF tokens blanked."""
    parser = _Keyed(CSRF.sub('name="csrfmiddlewaretoken" value=""', html))
    parser.feed(parser.html)
    return parser.found
