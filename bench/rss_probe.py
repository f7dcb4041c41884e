"""Ingest one object through the ingest jobs in a fresh process and report its peak RSS.

Run by bench.memory as `python -m bench.rss_probe KEY SIZE` with TASKS_MODE=immediate, so the
job runs here, inline, after its event is recorded; prints one JSON line.
"""

import json
import resource
import sys
import time


def peak_rss_bytes() -> int:
    """Return this process's peak resident set size so far.

    Linux's VmHWM is the peak of this program's own memory; ru_maxrss is not used there
    because it keeps the high-water mark of the process image we were exec'd from (the
    bench's own, hundreds of MB).
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def main() -> None:
    key, size = sys.argv[1], int(sys.argv[2])
    import django

    django.setup()
    from django.conf import settings

    from ingest.events import check_s3_notification, object_record
    from ingest.tasks import queue_ingest_events

    baseline = peak_rss_bytes()
    started = time.perf_counter()
    payload = {"Records": [object_record(settings.INGEST_BUCKET_NAME, key, size=size)]}
    events, _ = check_s3_notification(payload)
    (job,) = queue_ingest_events(events)
    job.refresh_from_db()
    seconds = time.perf_counter() - started
    result = {
        "status": job.status,
        "reason": job.reason,
        "seconds": seconds,
        "baseline_rss": baseline,
        "peak_rss": peak_rss_bytes(),
    }
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
