"""ReDoc's script with nothing to fetch from outside this server.

The API reference (/api/v1/redoc/) runs the ReDoc bundle that drf-spectacular-sidecar ships. One
thing in it comes from a CDN: the small Redocly logo under the sidebar. The Content-Security-Policy
blocks it (images only from this server), so every visit logged a refused request, and a server
without internet access should not reach out at all. This view serves the same bundle with the
logo's address emptied: an image with no source fails at once, without a request, and ReDoc then
leaves the logo out (its "API docs by Redocly" words stay).
"""

from functools import lru_cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

REDOC_BUNDLE = "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
OUTSIDE_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
# The bundle changes only with the package: browsers may keep it for a day.
CACHE_SECONDS = 86_400


@lru_cache(maxsize=1)
def redoc_bundle_text() -> str:
    text = Path(finders.find(REDOC_BUNDLE)).read_text(encoding="utf-8")
    return text.replace(OUTSIDE_LOGO, "")


@require_GET
def redoc_bundle(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(redoc_bundle_text(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response
