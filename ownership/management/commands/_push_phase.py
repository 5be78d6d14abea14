"""One phase of bench_push: editors change cells through the matrix page's endpoint while socket
clients listen; when each accepted edit (its response received) reached each other client."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

import requests

Key = tuple[int, int, str]  # touchpoint, function, the letters written


@dataclass
class Phase:
    # key → when each edit of it was accepted, in order (one editor writes each cell)
    accepted: dict[Key, list[float]] = field(default_factory=lambda: defaultdict(list))
    sent: dict[Key, list[float]] = field(default_factory=lambda: defaultdict(list))  # the request's start
    editor_of: dict[Key, int] = field(default_factory=dict)
    # (client, key) → when each message of it arrived, in order
    arrivals: dict[tuple[int, Key], list[float]] = field(default_factory=lambda: defaultdict(list))
    sizes: list[int] = field(default_factory=list)
    received: dict[int, int] = field(default_factory=lambda: defaultdict(int))  # client → changes
    refused: int = 0
    slow_received: int = 0
    slow_sent: int = 0

    def latencies(self, clients: int, *, since_sent: bool = False) -> tuple[list[float], int]:
        """Milliseconds from acceptance (or from the request's start) to arrival at every client but
        the editor's own page, and how many arrivals never came. A message that arrived before the
        response counts 0 ms from acceptance."""
        found, lost = [], 0
        for key, times in (self.sent if since_sent else self.accepted).items():
            for client in range(clients):
                if client == self.editor_of[key]:
                    continue
                arrived = self.arrivals.get((client, key), [])
                lost += max(0, len(times) - len(arrived))
                found += [max(0.0, (a - t) * 1000) for t, a in zip(times, arrived, strict=False)]
        return found, lost


def letters_toggled(letters: str, letter: str = "A") -> str:
    wanted = set(letters) ^ {letter}
    return "".join(x for x in "RACI" if x in wanted)


def _edit_loop(phase, *, base, matrix_url, session, editor, cells, letters, pause, stop) -> None:
    """One editor: toggles A on its own cells (no one else writes them: no refusal expected)."""
    http = requests.Session()
    http.cookies.set("sessionid", session)
    http.get(f"{base}{matrix_url}", timeout=30)
    headers = {"X-CSRFToken": http.cookies.get("csrftoken", ""), "HX-Request": "true"}
    turn = 0
    while not stop.is_set():
        touchpoint, function = cells[turn % len(cells)]
        turn += 1
        before = letters[(touchpoint, function)]
        after = letters_toggled(before)
        data = {"touchpoint": touchpoint, "function": function, "expected": before, "letters": after}
        start = time.perf_counter()
        answer = http.post(f"{base}{matrix_url}cells/", data=data, headers=headers, timeout=30)
        at = time.perf_counter()
        if answer.status_code != 200:
            phase.refused += 1
            continue
        letters[(touchpoint, function)] = after
        key = (touchpoint, function, after)
        phase.accepted[key].append(at)
        phase.sent[key].append(start)
        phase.editor_of[key] = editor
        stop.wait(pause)


async def _listen(phase: Phase, client: int, socket) -> None:
    async for raw in socket:
        at = time.perf_counter()
        message = json.loads(raw)
        if message.get("type") != "change":
            continue
        phase.sizes.append(len(raw))
        phase.received[client] += 1
        for cell in message.get("cells", []):
            phase.arrivals[(client, (cell["touchpoint_id"], cell["function_id"], cell["letters"]))].append(at)


async def _clients(phase, *, url, origin, sessions, ready, stop) -> None:
    from websockets.asyncio.client import connect

    def opened(session, **options):
        return connect(url, origin=origin, additional_headers={"Cookie": f"sessionid={session}"}, **options)

    sockets = [await opened(session) for session in sessions]
    # One page that reads nothing: its messages wait for it (max_queue=1 stops reading its socket).
    slow = await opened(sessions[-1], max_queue=1)
    for socket in sockets:
        await socket.recv()  # hello
    listeners = [asyncio.create_task(_listen(phase, i, s)) for i, s in enumerate(sockets)]
    ready.set()
    while not stop.is_set():
        await asyncio.sleep(0.05)
    await asyncio.sleep(1.5)  # the last pushes land
    for task in listeners:
        task.cancel()
    phase.slow_sent = max(phase.received.values(), default=0)
    try:
        while True:
            message = json.loads(await asyncio.wait_for(slow.recv(), timeout=2))
            phase.slow_received += message.get("type") == "change"
    except (TimeoutError, Exception):
        pass
    for socket in [*sockets, slow]:
        await socket.close()


def phase_run(*, base, ws_url, origin, matrix_url, sessions, editors, cells, seconds, pause) -> Phase:
    """Open the clients (one per session), let `editors` (the first sessions) edit for `seconds`."""
    phase, ready, stop = Phase(), threading.Event(), threading.Event()
    listening = threading.Thread(
        target=lambda: asyncio.run(
            _clients(phase, url=ws_url, origin=origin, sessions=sessions, ready=ready, stop=stop)
        ),
        daemon=True,
    )
    listening.start()
    if not ready.wait(60):
        raise RuntimeError("The socket clients did not connect within a minute")
    workers = [
        threading.Thread(
            target=_edit_loop,
            args=(phase,),
            kwargs={
                "base": base,
                "matrix_url": matrix_url,
                "session": sessions[editor],
                "editor": editor,
                "cells": cells[editor],
                "letters": cells["letters"],
                "pause": pause,
                "stop": stop,
            },
            daemon=True,
        )
        for editor in range(editors)
    ]
    for worker in workers:
        worker.start()
    stop.wait(seconds)
    stop.set()
    for worker in [*workers, listening]:
        worker.join(60)
    return phase
