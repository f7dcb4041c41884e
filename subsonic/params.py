"""Read a Subsonic request's parameters (query string or form body) and our prefixed ids."""

from __future__ import annotations

from django.http import QueryDict

from subsonic.responses import ErrorCode, SubsonicError

ARTIST, ALBUM, SONG, PLAYLIST = "ar", "al", "tr", "pl"
MAX_ID = 2**62


def make_id(prefix: str, pk: int) -> str:
    """Return the id Subsonic apps see: stable across restarts and re-ingests (`al-7`)."""
    return f"{prefix}-{pk}"


def parse_id(value: str, *prefixes: str) -> tuple[str, int]:
    """Split `al-7` into ("al", 7), accepting only the given kinds; unknown ids are not found."""
    prefix, _, number = value.strip().partition("-")
    if prefix in prefixes and number.isascii() and number.isdigit() and 0 < int(number) < MAX_ID:
        return prefix, int(number)
    raise SubsonicError(ErrorCode.NOT_FOUND, f"No such item: {value[:80]!r}")


class Params:
    """The request's parameters: the query string and a form-encoded body, merged."""

    def __init__(self, query: QueryDict, form: QueryDict | None = None):
        self._data = QueryDict(mutable=True)
        for source in (query, form or {}):
            for key in source:
                # NUL never belongs in a parameter, and PostgreSQL rejects it in text.
                clean = key.replace("\x00", "")
                values = [value.replace("\x00", "") for value in source.getlist(key)]
                self._data.setlist(clean, [*self._data.getlist(clean), *values])

    def __contains__(self, name: str) -> bool:
        return bool(self._data.get(name))

    def has(self, name: str) -> bool:
        """Tell whether the parameter was sent at all, even empty."""
        return name in self._data

    def get(self, name: str, default: str = "") -> str:
        value = self._data.get(name)
        return default if value is None else value

    def list(self, name: str) -> list[str]:
        return [value for value in self._data.getlist(name) if value != ""]

    def require(self, name: str) -> str:
        value = self._data.get(name)
        if value is None or value == "":
            raise SubsonicError(
                ErrorCode.MISSING_PARAMETER, f"Required parameter is missing: {name}"
            )
        return value

    def int(
        self,
        name: str,
        default: int | None = None,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
        required: bool = False,
    ) -> int | None:
        """Return an integer parameter clamped to [minimum, maximum]; garbage is an error 0."""
        raw = self.require(name) if required else self._data.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw.strip())
        except ValueError:
            raise SubsonicError(
                ErrorCode.GENERIC, f"Parameter {name} must be a whole number, not {raw[:40]!r}"
            ) from None
        if minimum is not None:
            value = max(value, minimum)
        if maximum is not None:
            value = min(value, maximum)
        return value

    def bool(self, name: str, default: bool = False) -> bool:
        raw = self._data.get(name)
        if raw is None or raw == "":
            return default
        return raw.strip().lower() in ("true", "1", "yes")

    def id(self, name: str, *prefixes: str) -> tuple[str, int]:
        return parse_id(self.require(name), *prefixes)

    def ids(self, name: str, *prefixes: str) -> list[tuple[str, int]]:
        return [parse_id(value, *prefixes) for value in self.list(name)]
