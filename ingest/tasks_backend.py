"""A task backend that runs Django tasks side by side on a thread pool in the web process.

This is the embedded default: no worker to start, and one slow file never holds up the
others. Nothing is lost if the process dies, because every ingest job is a row first;
`manage.py recover_ingest_jobs` (run by `make run` at start) queues unfinished ones again.

Django builds task backends per context (an asgiref Local), so under ASGI every request gets
its own backend instance. The pool therefore lives at module level, one per process (and per
pool size), so the process never runs more than INGEST_THREADS job threads.
"""

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait

from django.conf import settings
from django.db import close_old_connections
from django.tasks.backends.immediate import ImmediateBackend

logger = logging.getLogger(__name__)

_executors: dict[int, ThreadPoolExecutor] = {}
_executors_lock = threading.Lock()
_in_flight: set[Future] = set()
_in_flight_lock = threading.Lock()


def shared_executor(workers: int) -> ThreadPoolExecutor:
    """Return the process-wide pool of `workers` threads, creating it on first use."""
    with _executors_lock:
        executor = _executors.get(workers)
        if executor is None:
            executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="task")
            _executors[workers] = executor
        return executor


def wait_for_tasks(timeout: float | None = None) -> bool:
    """Block until every task submitted so far has finished; False if `timeout` ran out."""
    with _in_flight_lock:
        pending = set(_in_flight)
    _, not_done = wait(pending, timeout=timeout)
    return not not_done


def _forget(future: Future) -> None:
    with _in_flight_lock:
        _in_flight.discard(future)


class ThreadPoolBackend(ImmediateBackend):
    supports_async_task = False

    def __init__(self, alias, params):
        super().__init__(alias, params)
        self.workers = int(self.options.get("THREADS", settings.INGEST_THREADS))

    @property
    def _executor(self) -> ThreadPoolExecutor:
        return shared_executor(self.workers)

    def _execute_task(self, task_result):
        future = self._executor.submit(self._run_in_thread, task_result)
        with _in_flight_lock:
            _in_flight.add(future)
        future.add_done_callback(_forget)

    def _run_in_thread(self, task_result):
        close_old_connections()
        try:
            super()._execute_task(task_result)
        finally:
            close_old_connections()
