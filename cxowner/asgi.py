"""ASGI entry point: the live sockets (/ws/o/<org>/live/, docs/live.md), and the pages under `runserver`.

Production serves the pages from gunicorn (cxowner/wsgi.py) and only the sockets from daphne, behind
a proxy that routes /ws/ here (docker-compose.yml); `make run` serves both from this application.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxowner.settings")
# Before the consumers are imported: they import models, which need the apps loaded.
http = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from cxowner.orgs.live_routing import websocket_urlpatterns  # noqa: E402

# The session cookie says who the socket is (AuthMiddlewareStack); a page of another site may not
# open one with the visitor's cookie (AllowedHostsOriginValidator: its Origin must be ours).
application = ProtocolTypeRouter(
    {
        "http": http,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
