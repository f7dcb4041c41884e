"""docker-compose.yml, checked without a container engine: valid, pinned, complete, runnable.

The Compose specification's JSON schema comes with check-jsonschema (requirements-dev.txt).
Each check is a function over the file's text or data, so the tests below also feed it a bad
file and see it object.
"""

import importlib
import json
import re
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from django.core.management import get_commands
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"

VARIABLE = re.compile(r"(?<!\$)\$\{(\w+)(?::?[-?+][^}]*)?\}|(?<!\$)\$(\w+)")
MANAGE_COMMAND = re.compile(r"manage\.py\s+([\w-]+)")
PINNED_TAG = re.compile(r"\d+\.\d+")


def env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name.strip()] = value.strip()
    return values


def variables(text: str) -> set[str]:
    """Return the names of the ${VAR} and $VAR that compose interpolates ($$ escapes)."""
    return {braced or bare for braced, bare in VARIABLE.findall(text)}


def interpolate(text: str, values: dict[str, str]) -> str:
    def value(match: re.Match) -> str:
        return values.get(match.group(1) or match.group(2), "")

    return VARIABLE.sub(value, text).replace("$$", "$")


def load(text: str) -> dict:
    return YAML(typ="safe").load(text)


def schema_errors(data: dict) -> list[str]:
    source = resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema = json.loads(source.read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(data)
    ]


def unpinned(image: str) -> bool:
    """Return whether an image reference floats: no tag, `latest`, or no major.minor version."""
    if "@sha256:" in image:
        return False
    name, _, tag = image.rpartition(":")
    if not name or "/" in tag:
        return True
    return tag == "latest" or not PINNED_TAG.search(tag)


def unpinned_images(data: dict) -> list[str]:
    return [
        f"{name}: {service['image']}"
        for name, service in data["services"].items()
        if "image" in service and unpinned(service["image"])
    ]


def command_lines(data: dict) -> list[str]:
    """Return every command the services run (command, entrypoint, healthcheck) as one line."""
    lines = []
    for service in data["services"].values():
        for run in (
            service.get("command"),
            service.get("entrypoint"),
            (service.get("healthcheck") or {}).get("test"),
        ):
            if isinstance(run, list):
                lines.append(" ".join(str(part) for part in run))
            elif run:
                lines.append(run)
    return lines


def missing_commands(data: dict) -> set[str]:
    known = get_commands()
    used = {name for line in command_lines(data) for name in MANAGE_COMMAND.findall(line)}
    return used - set(known)


def unimportable_apps(data: dict) -> list[str]:
    """Return the module:attribute paths given to daphne that do not import."""
    broken = []
    for line in command_lines(data):
        words = line.split()
        if "daphne" not in words:
            continue
        for path in (word for word in words if re.fullmatch(r"[\w.]+:\w+", word)):
            module, attribute = path.split(":")
            try:
                getattr(importlib.import_module(module), attribute)
            except (ImportError, AttributeError) as error:
                broken.append(f"{path}: {error}")
    return broken


@pytest.fixture(scope="module")
def compose_text() -> str:
    return COMPOSE.read_text()


@pytest.fixture(scope="module")
def compose(compose_text) -> dict:
    return load(interpolate(compose_text, env_example()))


def test_compose_file_follows_the_compose_specification(compose):
    assert schema_errors(compose) == []


def test_every_image_is_pinned_to_a_version(compose):
    assert unpinned_images(compose) == []
    assert "image" in compose["services"]["rustfs"]


def test_the_dockerfile_base_image_is_pinned():
    bases = re.findall(r"^FROM\s+(\S+)", DOCKERFILE.read_text(), flags=re.MULTILINE)
    assert bases
    assert [base for base in bases if unpinned(base)] == []


def test_every_variable_compose_uses_is_in_env_example(compose_text):
    assert variables(compose_text) - set(env_example()) == set()


def test_every_manage_py_command_compose_runs_exists(compose):
    assert missing_commands(compose) == set()


def test_every_asgi_application_compose_serves_imports(compose):
    assert unimportable_apps(compose) == []


def test_web_and_workers_have_healthchecks_and_restart(compose):
    for name in ("web", "worker", "postgres", "redis", "rustfs"):
        service = compose["services"][name]
        assert service.get("restart") == "unless-stopped", name
        assert service.get("healthcheck", {}).get("test"), name


def test_the_web_server_schedules_the_periodic_resync_and_no_service_repeats_it(compose):
    web = compose["services"]["web"]
    # spotify/asgi.py starts the schedule; the processes take turns through Redis' cache lock.
    assert "spotify.asgi:application" in web["command"]
    assert web["environment"]["REDIS_URL"].startswith("redis://")
    assert int(env_example()["RESYNC_EVERY_SECONDS"]) > 0
    assert [line for line in command_lines(compose) if "resync" in line] == []


def test_the_checks_object_to_a_bad_file():
    bad = load(
        "services:\n"
        "  store: {image: 'minio/minio'}\n"
        "  cache: {image: 'redis:latest'}\n"
        "  web: {build: ., command: 'python manage.py no_such_command', ports: 8000}\n"
        "  asgi: {build: ., command: ['daphne', 'spotify.asgi:no_such_app']}\n"
    )

    assert schema_errors(bad)  # ports must be a list
    assert unpinned_images(bad) == ["store: minio/minio", "cache: redis:latest"]
    assert missing_commands(bad) == {"no_such_command"}
    assert unimportable_apps(bad)[0].startswith("spotify.asgi:no_such_app")
    assert variables("a: ${ONE} b: ${TWO:-x} c: $$THREE d: $FOUR") == {"ONE", "TWO", "FOUR"}
