"""Bound the encodes one server process runs at once, with a short queue behind them.

A request reserves a turn before its answer starts: when every encoder is busy and the queue
is full it hears so at once (a clear error, never a stalled server). A reserved turn waits in
the encoder's own thread, never in the request's, so under ASGI no other request waits.
"""

from __future__ import annotations

import threading

from django.conf import settings

# Seconds a client is told to wait (Retry-After) before asking again for an encode it could
# not get: about what a short encode takes, so a player's retry usually finds an encoder free.
RETRY_AFTER_SECONDS = 5


class Unavailable(Exception):
    """An encode that cannot start now but may in a moment: answer 503 with Retry-After."""

    retry_after = RETRY_AFTER_SECONDS


class TranscoderBusy(Unavailable):
    """Every encoder of this process is busy: the queue is full, or the wait in it ran out."""


class Turn:
    """A reserved place: `begin` waits for a free encoder, `end` frees it."""

    def __init__(self, slots: EncodeSlots):
        self._slots = slots
        self._state = "waiting"

    def begin(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for a free encoder; False when none came free."""
        started = self._slots._begin(timeout)
        self._state = "running" if started else "ended"
        return started

    def end(self) -> None:
        if self._state != "ended":
            self._slots._end(running=self._state == "running")
            self._state = "ended"


class EncodeSlots:
    """At most TRANSCODE_MAX_ENCODES encodes at once, TRANSCODE_MAX_WAITING more in line."""

    def __init__(self):
        self._condition = threading.Condition()
        self.running = 0
        self.waiting = 0

    def reserve(self) -> Turn:
        """Take a place in line or raise TranscoderBusy; never blocks."""
        with self._condition:
            limit = _max_encodes() + max(settings.TRANSCODE_MAX_WAITING, 0)
            if self.running + self.waiting >= limit:
                raise TranscoderBusy(
                    f"All {_max_encodes()} encoders are busy; try again in a few seconds."
                )
            self.waiting += 1
        return Turn(self)

    def _begin(self, timeout: float) -> bool:
        with self._condition:
            started = self._condition.wait_for(
                lambda: self.running < _max_encodes(), timeout=max(timeout, 0)
            )
            self.waiting -= 1
            if started:
                self.running += 1
            return started

    def _end(self, running: bool) -> None:
        with self._condition:
            if running:
                self.running -= 1
            else:
                self.waiting -= 1
            self._condition.notify()


def _max_encodes() -> int:
    return max(settings.TRANSCODE_MAX_ENCODES, 1)


ENCODE_SLOTS = EncodeSlots()
