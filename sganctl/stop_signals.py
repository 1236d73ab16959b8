"""Turn SIGINT/SIGTERM into a request to stop after the current training step."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopRequest:
    signal_number: int | None = None


@contextmanager
def stop_requests() -> Iterator[StopRequest]:
    """While inside, a stop signal sets ``request.signal_number`` instead of killing the process.

    Outside the main thread (where handlers cannot be installed) signals keep their
    usual effect.
    """
    request = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield request
        return

    def handle(signal_number, frame):
        request.signal_number = signal_number

    previous = {sig: signal.signal(sig, handle) for sig in STOP_SIGNALS}
    try:
        yield request
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
