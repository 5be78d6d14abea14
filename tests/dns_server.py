"""The `dns_zone` fixture: a real DNS server on a loopback UDP port, answering TXT questions from
a dict the test fills in, as a domain's DNS would once its owner publishes a record.

cxowner asks it through SSO_DNS_SERVER exactly as it asks the system's resolver in production
(dnspython over UDP): no function of cxowner is replaced.
"""

from __future__ import annotations

import socket
import threading

import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import pytest


class Zone:
    """TXT records by name (no trailing dot); an unknown name is NXDOMAIN."""

    def __init__(self) -> None:
        self.txt: dict[str, list[str]] = {}
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.socket.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _answer(self, query: dns.message.Message) -> dns.message.Message:
        response = dns.message.make_response(query)
        question = query.question[0]
        name = question.name.to_text().rstrip(".").lower()
        if name not in self.txt:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif question.rdtype == dns.rdatatype.TXT:
            quoted = [f'"{value}"' for value in self.txt[name]]
            response.answer.append(dns.rrset.from_text_list(question.name, 60, "IN", "TXT", quoted))
        return response

    def _serve(self) -> None:
        while True:
            try:
                wire, client = self.socket.recvfrom(4096)
            except OSError:  # closed at the end of the session
                return
            self.socket.sendto(self._answer(dns.message.from_wire(wire)).to_wire(), client)

    def close(self) -> None:
        self.socket.close()


@pytest.fixture(scope="session")
def dns_server():
    zone = Zone()
    yield zone
    zone.close()


@pytest.fixture
def dns_zone(dns_server, settings):
    """The loopback DNS server, empty, and cxowner asking it."""
    dns_server.txt.clear()
    settings.SSO_DNS_SERVER = dns_server.address
    return dns_server
