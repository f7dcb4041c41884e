"""What a process that ingests from local storage loads: not the S3 client, not FFmpeg.

botocore is ~30 MB and PyAV with FFmpeg ~22 MB of every process's memory; a worker that only
ingests local files needs neither (the bench's target: peak RSS < 150 MB ingesting a 500 MB
file). They load where they are used: the S3 store, the first transcode.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import sys
import django
django.setup()
import ingest.tasks, ingest.running, ingest.resync, subsonic.dispatch, spotify.urls
print(sorted(name for name in ("av", "botocore", "boto3") if name in sys.modules))
"""


def test_setup_and_the_ingest_path_load_neither_boto_nor_pyav_on_local_storage():
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AWS_") and key not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(DJANGO_SETTINGS_MODULE="spotify.settings", DJANGO_DEBUG="1")

    loaded = (
        subprocess.run(
            [sys.executable, "-c", PROBE],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )

    assert loaded == "[]"
