"""Read and check the Lambda's configuration from its environment variables."""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_AUDIO_EXTENSIONS = "mp3,flac,ogg,oga,opus,m4a,mp4,aac,wav,aif,aiff,wma,alac,ape,wv"
DEFAULT_MAX_ATTEMPTS = 4
DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_MAX_BYTES = 2 * 1024**3
# Half the server's default INGEST_MAX_EVENT_BYTES (1 MiB): about 1,000 records per request.
DEFAULT_MAX_BODY_BYTES = 512 * 1024


class ConfigurationError(RuntimeError):
    """The function's environment variables are missing or invalid."""


@dataclass(frozen=True)
class Settings:
    """Configuration read from the environment on each invocation."""

    webhook_url: str
    secret: bytes
    max_attempts: int
    timeout_seconds: float
    audio_extensions: frozenset[str]
    max_bytes: int
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Return the settings from ``environ`` (default ``os.environ``), validated."""
        env = os.environ if environ is None else environ
        url = env.get("INGEST_WEBHOOK_URL", "").strip()
        secret = env.get("INGEST_SECRET", "")
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise ConfigurationError("INGEST_WEBHOOK_URL must be an http(s) URL")
        if not secret:
            raise ConfigurationError("INGEST_SECRET must be set")
        extensions = env.get("INGEST_AUDIO_EXTENSIONS", "") or DEFAULT_AUDIO_EXTENSIONS
        settings = cls(
            webhook_url=url,
            secret=secret.encode("utf-8"),
            max_attempts=_env_number(env, "INGEST_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS, int),
            timeout_seconds=_env_number(
                env, "INGEST_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS, float
            ),
            audio_extensions=frozenset(
                ext.strip().lstrip(".").lower() for ext in extensions.split(",") if ext.strip()
            ),
            max_bytes=_env_number(env, "INGEST_MAX_BYTES", DEFAULT_MAX_BYTES, int),
            max_body_bytes=_env_number(env, "INGEST_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES, int),
        )
        numbers = (
            settings.max_attempts,
            settings.timeout_seconds,
            settings.max_bytes,
            settings.max_body_bytes,
        )
        if min(numbers) <= 0:
            raise ConfigurationError(
                "INGEST_MAX_ATTEMPTS, INGEST_TIMEOUT_SECONDS, INGEST_MAX_BYTES and "
                "INGEST_MAX_BODY_BYTES must be positive"
            )
        return settings


def _env_number[T: (int, float)](env: Mapping[str, str], name: str, default: T, kind: type[T]) -> T:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return kind(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, got {raw!r}") from None
