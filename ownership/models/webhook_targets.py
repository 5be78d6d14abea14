"""Where webhooks may point: public HTTP(S) addresses only, checked when saved and again at delivery.

A webhook makes this server send requests, and its delivery log shows what answered: pointed at
`http://169.254.169.254/` (a cloud's metadata service), `http://localhost:6379/` or a private
address it would turn the server into a probe of its own network. So a URL must be http(s) and
every address its host resolves to must be public (not loopback, private, link-local, reserved,
multicast or unspecified). Delivery resolves the host again and connects only to an address it
has just checked, so a name that resolved to a public address when saved and to a private one
later (DNS rebinding) is refused too.

On-premises installations that deliver to an internal host list it in WEBHOOK_ALLOWED_HOSTS.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

SCHEMES = ("http", "https")


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to (tests replace this: no real DNS in the test suite)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
    )


def host_allowed(host: str) -> bool:
    return host.lower().rstrip(".") in {name.lower().rstrip(".") for name in settings.WEBHOOK_ALLOWED_HOSTS}


def checked_addresses(host: str, port: int) -> list[IPAddress]:
    """The host's addresses, refused with OSError unless every one of them is public."""
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError, ValueError) as exc:
        raise OSError(f"the host {host} cannot be resolved") from exc
    if not addresses:
        raise OSError(f"the host {host} cannot be resolved")
    blocked = [str(address) for address in addresses if not is_public(address)]
    if blocked:
        raise OSError(
            f"the host {host} is at a non-public address ({', '.join(blocked[:3])}); webhooks go to public addresses"
        )
    return addresses


def webhook_url_validate(url: str) -> None:
    """Raise ValidationError({"url": …}) unless `url` may receive webhooks."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValidationError({"url": "This is not a valid URL."}) from None
    if parts.scheme not in SCHEMES:
        raise ValidationError({"url": "A webhook URL starts with http:// or https://."})
    host = parts.hostname
    if not host:
        raise ValidationError({"url": "A webhook URL names a host."})
    if host_allowed(host):
        return
    try:
        checked_addresses(host, port)
    except OSError as exc:
        raise ValidationError({"url": f"Refused: {exc}."}) from None


def _guarded_connection(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None):
    """socket.create_connection for webhooks: to a freshly checked public address only."""
    host, port = address
    addresses = resolve(host, port) if host_allowed(host) else checked_addresses(host, port)
    error: OSError | None = None
    for ip in addresses:
        try:
            return socket.create_connection((str(ip), port), timeout, source_address)
        except OSError as exc:
            error = exc
    raise error or OSError(f"cannot connect to {host}")


# http.client sets _create_connection on each connection in __init__, so replace it there.
class _GuardedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _guarded_connection


class _GuardedHTTPSConnection(http.client.HTTPSConnection):
    # TLS still verifies the certificate against the host name: only the socket is pinned.
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _guarded_connection


class _GuardedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_GuardedHTTPConnection, req)


class _GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_GuardedHTTPSConnection, req, context=self._context)


def webhook_opener(*handlers: urllib.request.BaseHandler) -> urllib.request.OpenerDirector:
    """A urllib opener that connects only to checked addresses, and never through a proxy."""
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), _GuardedHTTPHandler, _GuardedHTTPSHandler, *handlers
    )
