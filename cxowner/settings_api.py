"""The REST API's settings (/api/v1/ and its schema), imported by cxowner/settings.py."""

from cxowner.env import TESTING, envint, envrate

# The REST API (/api/v1/). Token clients and anonymous callers are throttled; tests are not,
# unless they set a rate themselves, so no test is throttled by accident.
# JSON bodies: a bigger one is 413, a deeper one 400 (cxowner/orgs/api/parsers.py).
API_JSON_MAX_BYTES = envint("API_JSON_MAX_BYTES", 2 * 1024 * 1024)
API_JSON_MAX_DEPTH = envint("API_JSON_MAX_DEPTH", 20)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # The token class comes first: its WWW-Authenticate makes a missing login a 401.
        "cxowner.orgs.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "cxowner.orgs.api.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["cxowner.orgs.api.parsers.BoundedJSONParser"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "cxowner.orgs.api.pagination.PagePagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "cxowner.orgs.api.throttles.AnonRateThrottle",
        "cxowner.orgs.api.throttles.TokenRateThrottle",
        "cxowner.orgs.api.throttles.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": envrate("API_THROTTLE_ANON", None if TESTING else "60/min"),
        "token": envrate("API_THROTTLE_TOKEN", None if TESTING else "1200/min"),
        "user": envrate("API_THROTTLE_USER", None if TESTING else "1200/min"),
        # An identity provider's SCIM token (ownership.provisioning): Entra ID syncs in bursts of a
        # few requests a second; a stolen or looping one is held to this.
        "scim": envrate("API_THROTTLE_SCIM", None if TESTING else "600/min"),
    },
    "EXCEPTION_HANDLER": "cxowner.orgs.api.base.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "cxowner.orgs.api.schema.OrganizationAutoSchema",
    # ?format=csv|xlsx chooses the export's file type, not a renderer.
    "URL_FORMAT_OVERRIDE": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "cxowner API",
    "DESCRIPTION": (
        "Who owns the customer experience: journeys, the RACI matrix, gaps and audits. "
        "Authenticate with `Authorization: Bearer <token>` (tokens are created by admins) or a browser session. "
        "Writes name the version they change (If-Match or `version`); a stale one answers 412, a changed cell 409."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Swagger UI and ReDoc from drf-spectacular-sidecar: served by the app, no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two choice sets are called "status": the runs' and jobs' keep the name they always had.
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "ownership.models.AuditRun.Status",
        "ScenarioStatusEnum": "ownership.models.Scenario.Status",
        "KindEnum": "ownership.models.ScenarioOperationKind",  # the name it had when it was the only "kind"
        "ReportKindEnum": "ownership.models.ReportJob.Kind",
    },
}
