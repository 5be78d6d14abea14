"""How far a PDF's drawing has got, as WeasyPrint tells it: it logs each step of a render on its
`weasyprint.progress` logger ("Step 5 - Creating layout - Page 40", "Step 6 - Creating PDF").
While a report job draws, a handler on that logger passes each page laid out to the job, whose
page shows "page 40 of ~120".

The handler listens to its own thread only, and the logger is switched on (and kept from the
site's log, where a page a line would drown everything else) only while one render is followed.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

LAYOUT = "layout"
WRITING = "writing"

_LOGGER = "weasyprint.progress"
_PAGE = re.compile(r"Step 5 - Creating layout - Page (\d+)")

# About how many matrix rows a landscape page holds, and how many listed gaps a portrait one:
# the estimate of a report's pages before its first render (each later one reuses the count of
# the last PDF of the same report).
_MATRIX_ROWS_PER_PAGE = 16
_GAPS_PER_PAGE = 22

Follow = Callable[[str, int], None]  # (step, pages laid out so far)


class _PagesHandler(logging.Handler):
    def __init__(self, follow: Follow) -> None:
        super().__init__(level=logging.INFO)
        self.follow = follow
        self.thread = threading.get_ident()
        self.pages = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread:
            return
        message = record.getMessage()
        page = _PAGE.match(message)
        if page is not None:
            # A second layout pass (for "page N of M" footers) counts from 1 again: keep the most.
            self.pages = max(self.pages, int(page.group(1)))
            self.follow(LAYOUT, self.pages)
        elif message.startswith("Step 6"):
            self.follow(WRITING, self.pages)


@contextmanager
def pages_followed(follow: Follow | None) -> Iterator[None]:
    """Call `follow(step, pages)` as the render in this thread lays out each page, then writes
    the file; nothing when `follow` is None."""
    if follow is None:
        yield
        return
    logger = logging.getLogger(_LOGGER)
    handler = _PagesHandler(follow)
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


def report_pages_estimate(report) -> int:
    """About how many pages the full report's PDF has: the cover, the summary, each journey's
    matrix on its landscape pages, and the gaps list."""
    matrices = sum(max(1, math.ceil((m.rows_drawn + len(m.stages)) / _MATRIX_ROWS_PER_PAGE)) for m in report.matrices)
    gaps = math.ceil((report.gaps_listed + 3 * len(report.gap_groups)) / _GAPS_PER_PAGE)
    return 2 + max(matrices, 1) + max(gaps, 1)
