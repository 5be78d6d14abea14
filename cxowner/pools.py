"""Which requests the proxy sends to the bulk pool of web servers rather than the editors' pool.

A Python process runs one thread at a time (the GIL). A request that computes for a second (a
scenario applied to a copy of the organization, a matrix file parsed, a report drawn) in the same
gunicorn process as cell edits makes each edit wait for the interpreter at every query it sends:
under `bench_load` that, not the database, was the edits' p99. So scenarios, imports, exports
and reports have gunicorn processes of their own (docker-compose.yml `bulk`), and the proxy
(deploy/Caddyfile) routes them there by path; everything else (the matrix, the gaps, the pages,
the API's small reads and writes) stays on `web`. A slow scenario then slows other scenarios
only, and the operating system, not the GIL, shares the cores between the two pools.

The pattern is written once, here: the Caddyfile carries the same text (tests/test_pools.py
holds them equal) and bench_load routes its requests with it, as the proxy would.
"""

from __future__ import annotations

import re

# RE2 (Caddy's path_regexp) and Python read it the same way: no look-arounds, no back-references.
BULK_PATH_REGEXP = (
    r"^/(api/v1/orgs/[^/]+/(scenarios|imports?|export|report)"
    r"|o/[^/]+/(scenarios|import|export|report|gaps\.(csv|xlsx)))([/.]|$)"
)
_bulk = re.compile(BULK_PATH_REGEXP)


def is_bulk(path: str) -> bool:
    """Whether the proxy sends a request for `path` (no query string) to the bulk pool."""
    return _bulk.match(path) is not None
