"""Each gunicorn worker listens on a socket of its own, and that socket outlives the worker.

gunicorn.conf.py hands these functions to gunicorn as server hooks. They run in gunicorn's
master process (and `post_fork` in a newly forked worker), never inside Django.

Why a socket per worker: on one shared listening socket, whichever worker woke first accepted
the new connections, so a load balancer's kept-alive connections (or a benchmark's) could all
land on one worker, which served everything on one core while the others idled; throughput
halved at random. With SO_REUSEPORT the kernel shares new connections out among the sockets.

Why not gunicorn's own `reuse_port`: there each worker opens its socket itself, so when a worker
dies or is recycled, the connections waiting in its queue, and any the kernel sent it while it
was exiting, are refused. Here the master opens one socket per worker *slot* and keeps it open.
A replacement worker takes over its slot's socket, queue and all, and what waited there is
served a moment later (once the new worker has loaded the app) instead of refused; after a
reload (SIGHUP) each new worker shares the slot of an old one until that one has stopped. A
slot is closed only when there are fewer workers to fill it (SIGTTOU).

Only for TCP addresses that gunicorn binds itself: with a Unix socket, or sockets handed over by
systemd or by a re-executing master, gunicorn's usual single shared socket is used.
"""

from __future__ import annotations

import itertools
import os
import socket
from typing import Any

from gunicorn import sock

# Where the slots live: on the arbiter, so a configuration reload (SIGHUP), which runs
# gunicorn.conf.py and so this module's hooks afresh, still finds the sockets it holds.
SLOTS = "worker_slots"


class _SharingPort:
    """gunicorn's configuration, asking for SO_REUSEPORT on the sockets opened from it."""

    reuse_port = True

    def __init__(self, cfg: Any) -> None:
        self._cfg = cfg

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cfg, name)


def _slots(server: Any) -> dict[int, list[Any]] | None:
    return getattr(server, SLOTS, None)


def _open(server: Any, slots: dict[int, list[Any]], slot: int) -> None:
    slots[slot] = sock.create_sockets(_SharingPort(server.cfg), server.log)
    _listen_on(server, slots)


def _every_socket(slots: dict[int, list[Any]]) -> list[Any]:
    return [listener for slot in sorted(slots) for listener in slots[slot]]


def _listen_on(server: Any, slots: dict[int, list[Any]]) -> None:
    # The master closes its LISTENERS first when it stops, so a stopping server refuses new
    # connections at once, as it would on a shared socket.
    server.LISTENERS = _every_socket(slots)


def on_starting(server: Any) -> None:
    """Open the first slot before gunicorn would open its shared socket (it then opens none)."""
    tcp_only = all(isinstance(address, tuple) for address in server.cfg.address)
    handed_over = "LISTEN_FDS" in os.environ or "GUNICORN_FD" in os.environ
    if not tcp_only or handed_over or not hasattr(socket, "SO_REUSEPORT"):
        return
    slots: dict[int, list[Any]] = {}
    setattr(server, SLOTS, slots)
    _open(server, slots, 0)


def pre_fork(server: Any, worker: Any) -> None:
    """In the master: give the worker about to start a slot that no staying worker holds.

    The master keeps its youngest `num_workers` workers and stops older ones beyond that (after
    a reload, or SIGTTOU); the new worker is the youngest. After a worker died, it takes that
    worker's slot. After a reload, it takes the slot of an old worker that is about to stop and
    shares it until then, so nothing is left waiting on a socket whose worker is leaving.
    """
    slots = _slots(server)
    if slots is None:
        return
    living = sorted(server.WORKERS.values(), key=lambda other: other.age)
    staying = living[max(0, len(living) - (server.num_workers - 1)) :]
    taken = {other.slot for other in staying}
    slot = next(number for number in itertools.count() if number not in taken)
    if slot not in slots:
        _open(server, slots, slot)
    worker.slot = slot
    worker.sockets = slots[slot]


def post_fork(server: Any, worker: Any) -> None:
    """In the new worker: let go of every other slot's socket.

    A worker holding another slot's socket would keep it open after the master closed it, and
    the kernel would go on sending connections there that nobody accepts.
    """
    slots = _slots(server)
    if slots is None:
        return
    for slot, listeners in slots.items():
        if slot != worker.slot:
            for listener in listeners:
                listener.close()


def on_reload(server: Any) -> None:
    """After SIGHUP: if gunicorn opened new sockets (the address changed), it uses those."""
    slots = _slots(server)
    if slots is not None and _every_socket(slots) != server.LISTENERS:
        setattr(server, SLOTS, None)


def child_exit(server: Any, worker: Any) -> None:
    """In the master: a worker has exited; close its slot if no worker holds it or will."""
    slots = _slots(server)
    if slots is None or len(server.WORKERS) < server.num_workers:
        return  # a new worker will take the slot
    if any(other.slot == worker.slot for other in server.WORKERS.values()):
        return  # its successor already shares it
    for listener in slots.pop(worker.slot, []):
        listener.close()
    _listen_on(server, slots)
