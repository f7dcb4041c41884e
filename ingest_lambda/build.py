"""Build the Lambda deployment package ``dist/ingest_lambda.zip`` at the repository root.

Usage: ``python ingest_lambda/build.py [OUTPUT.zip]``.

The zip holds the package ``ingest_lambda/`` (every module here but this script), so the Lambda
handler is ``ingest_lambda.handler.lambda_handler`` and the modules import each other by the same
names as in the repository. Entries are sorted and carry fixed timestamps and permissions, so the
same sources always give the same bytes (and the same CodeSha256, so no needless redeploys).
"""

import sys
import zipfile
from pathlib import Path

SOURCE_DIR = Path(__file__).resolve().parent
DEFAULT_OUTPUT = SOURCE_DIR.parent / "dist" / "ingest_lambda.zip"
PACKAGE = SOURCE_DIR.name
FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)


def package_files() -> list[Path]:
    """Return the modules the function runs on, sorted: the package's own, not this script."""
    return sorted(path for path in SOURCE_DIR.glob("*.py") if path.name != Path(__file__).name)


def build(output: Path = DEFAULT_OUTPUT) -> Path:
    """Write the deployment package to ``output`` and return its path."""
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    with zipfile.ZipFile(partial, "w") as archive:
        for source in package_files():
            entry = zipfile.ZipInfo(f"{PACKAGE}/{source.name}", date_time=FIXED_DATE_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 3  # Unix, so the permission bits below are honoured
            entry.external_attr = 0o100644 << 16
            archive.writestr(entry, source.read_bytes(), compresslevel=9)
    partial.replace(output)
    return output


def main(argv: list[str]) -> None:
    """Build the package (at ``argv[0]`` if given) and report where it is and how big."""
    output = build(Path(argv[0]).resolve()) if argv else build()
    try:
        shown = output.relative_to(Path.cwd())
    except ValueError:
        shown = output
    sys.stdout.write(f"{shown} ({output.stat().st_size:,} bytes)\n")


if __name__ == "__main__":
    main(sys.argv[1:])
