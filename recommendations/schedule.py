"""Refresh the recommender soon after listeners' writes, when no dedicated refresher runs.

Likes, ratings, plays and playlist entries are written by library and playlists, rooms below
this one, so the recommender hears of them through their models' save and delete signals
(connected in apps.py). The receiver only schedules; the refresh is the task in tasks.py.

The first write after a refresh starts a timer of RECOMMENDATIONS_REFRESH_DELAY seconds; the
writes until it fires join that same refresh, so a process queues at most one refresh per
delay however busy its listeners are, and a burst of likes costs one incremental run.
"""

import logging
import threading

from django.conf import settings
from django.db import connections, transaction

from recommendations import tasks

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_timer: threading.Timer | None = None


def refresh_soon(**signal) -> None:
    """Schedule an incremental refresh once the write that sent this signal commits."""
    if settings.RECOMMENDATIONS_AUTO_REFRESH:
        transaction.on_commit(_start_timer, using=signal.get("using"))


def _start_timer() -> None:
    global _timer
    with _lock:
        if _timer is not None:
            return  # a refresh is due already; it will see this write too
        _timer = threading.Timer(settings.RECOMMENDATIONS_REFRESH_DELAY, _queue_refresh)
        _timer.daemon = True
        _timer.start()


def _queue_refresh() -> None:
    global _timer
    with _lock:
        _timer = None
    try:
        # The configured backend runs it: the web process's thread pool, or a db_worker.
        tasks.refresh_recommendations.enqueue()
    except Exception:
        logger.exception("could not queue the recommendations refresh")
    finally:
        connections.close_all()  # this thread's own connections


def cancel_pending() -> None:
    """Drop a refresh that is due but has not started (a test's end, a process's exit)."""
    global _timer
    with _lock:
        if _timer is not None:
            _timer.cancel()
            _timer = None
