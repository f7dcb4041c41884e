"""Check the deployment package: its contents, its determinism and that it runs on its own."""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import unquote_plus

from ingest_lambda import build


def test_package_holds_the_handler_at_its_root(tmp_path):
    package = build.build(tmp_path / "dist" / "ingest_lambda.zip")

    with zipfile.ZipFile(package) as archive:
        assert archive.namelist() == ["__init__.py", "handler.py"]
        source = (Path(build.__file__).parent / "handler.py").read_bytes()
        assert archive.read("handler.py") == source
        assert all(info.date_time == build.FIXED_DATE_TIME for info in archive.infolist())
    assert package.stat().st_size < 16 * 1024


def test_package_is_byte_for_byte_reproducible(tmp_path):
    first = build.build(tmp_path / "one.zip").read_bytes()
    second = build.build(tmp_path / "two.zip").read_bytes()

    assert first == second


def test_packaged_handler_delivers_without_site_packages(tmp_path, webhook):
    package = build.build(tmp_path / "ingest_lambda.zip")
    event = {
        "Records": [
            {
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Put",
                "eventTime": "2025-01-02T03:04:05.678Z",
                "s3": {
                    "bucket": {"name": "music"},
                    "object": {"key": "Zip+Test/%C3%A9.mp3", "size": 10, "sequencer": "01"},
                },
            }
        ]
    }
    script = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import handler; "
        "print(json.dumps(handler.lambda_handler(json.loads(sys.argv[2]), None)))"
    )

    # -S -I: no site-packages and no current directory, so only the standard library is importable.
    completed = subprocess.run(
        [sys.executable, "-S", "-I", "-c", script, str(package), json.dumps(event)],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == {"forwarded": 1, "skipped": 0}
    [record] = webhook.requests[0].json()["Records"]
    assert unquote_plus(record["s3"]["object"]["key"]) == "Zip Test/é.mp3"


def test_build_script_reports_path_and_size(tmp_path):
    completed = subprocess.run(
        [sys.executable, str(Path(build.__file__)), "dist/lambda.zip"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=True,
    )

    size = (tmp_path / "dist" / "lambda.zip").stat().st_size
    assert completed.stdout == f"dist/lambda.zip ({size:,} bytes)\n"
