"""Check the deployment package: its contents, its determinism and that it runs on its own."""

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import unquote_plus

from ingest_lambda import build


def test_package_holds_every_module_of_the_function_and_not_the_build_script(tmp_path):
    package = build.build(tmp_path / "dist" / "ingest_lambda.zip")
    source_dir = Path(build.__file__).parent

    with zipfile.ZipFile(package) as archive:
        names = archive.namelist()
        assert "ingest_lambda/handler.py" in names
        assert "ingest_lambda/build.py" not in names
        assert names == sorted(
            f"ingest_lambda/{path.name}"
            for path in source_dir.glob("*.py")
            if path.name != "build.py"
        )
        for name in names:
            assert archive.read(name) == (source_dir / Path(name).name).read_bytes()
        assert all(info.date_time == build.FIXED_DATE_TIME for info in archive.infolist())
    assert package.stat().st_size < 16 * 1024


def test_package_is_byte_for_byte_reproducible(tmp_path):
    first = build.build(tmp_path / "one.zip").read_bytes()
    second = build.build(tmp_path / "two.zip").read_bytes()

    assert first == second


def template_handler() -> str:
    """Return the Handler the SAM template gives the function, as "module.function"."""
    template = (Path(build.__file__).parent / "template.yaml").read_text(encoding="utf-8")
    [handler] = re.findall(r"^\s+Handler:\s*(\S+)\s*$", template, re.MULTILINE)
    return handler


def test_unzipped_package_runs_the_template_handler_without_site_packages(tmp_path, webhook):
    package = build.build(tmp_path / "ingest_lambda.zip")
    task_root = tmp_path / "task"  # where Lambda unpacks the zip, the first entry of sys.path
    with zipfile.ZipFile(package) as archive:
        archive.extractall(task_root)
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
    # Find the handler as the Lambda runtime does: "module.function" under the task root.
    script = (
        "import importlib, json, sys; sys.path.insert(0, sys.argv[1]); "
        "module, _, name = sys.argv[3].rpartition('.'); "
        "lambda_handler = getattr(importlib.import_module(module), name); "
        "print(json.dumps(lambda_handler(json.loads(sys.argv[2]), None)))"
    )

    # -S -I: no site-packages and no current directory, so only the standard library is importable.
    completed = subprocess.run(
        [
            sys.executable,
            "-S",
            "-I",
            "-c",
            script,
            str(task_root),
            json.dumps(event),
            template_handler(),
        ],
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
