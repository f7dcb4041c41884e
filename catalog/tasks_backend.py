"""A task backend that runs Django tasks side by side on a thread pool in the web process.

This is the embedded default: no worker to start, and one slow file never holds up the
others. Nothing is lost if the process dies, because every ingest job is a row first;
`manage.py recover_ingest_jobs` (run by `make run` at start) queues unfinished ones again.
"""

import logging
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections
from django.tasks.backends.immediate import ImmediateBackend

logger = logging.getLogger(__name__)


class ThreadPoolBackend(ImmediateBackend):
    supports_async_task = False

    def __init__(self, alias, params):
        super().__init__(alias, params)
        workers = self.options.get("THREADS", settings.INGEST_THREADS)
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="task")

    def _execute_task(self, task_result):
        self._executor.submit(self._run_in_thread, task_result)

    def _run_in_thread(self, task_result):
        close_old_connections()
        try:
            super()._execute_task(task_result)
        finally:
            close_old_connections()
