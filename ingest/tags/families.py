"""One mapping routine for every tag family, driven by each family's key table.

A family (ID3, Vorbis comments, MP4 atoms, APEv2, ASF) says how to read the texts under one
of its keys, which keys hold each field (the first key with a value wins), and where its
pictures are. The routine is the same for all of them.
"""

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ingest.tags.values import RawPicture, RawTags, clean


def _as_is(tags: Any) -> Any:
    return tags


@dataclass(frozen=True)
class TagFamily:
    """A tag format: its mutagen type, its key table and how to read texts and pictures.

    ``index`` turns mutagen's tags into what ``texts`` and ``pictures`` look keys up in, once
    per file, and tells which keys the file holds (``index.keys()``): the table asks for some
    forty keys, and a lookup in mutagen's own Vorbis comments or ID3 frames walks every tag.
    """

    tags_type: type
    keys: Mapping[str, tuple[str, ...]]  # RawTags field -> keys, most specific first
    texts: Callable[[Any, str], list[str]]
    pictures: Callable[[Any], list[RawPicture]]
    index: Callable[[Any], Any] = _as_is

    def first_texts(self, indexed: Any, keys: Iterable[str]) -> list[str]:
        """Return the texts under the first of ``keys`` that holds a non-blank one."""
        for key in keys:
            found = self.texts(indexed, key)
            for text in found:
                if clean(text):
                    return found
        return []

    def map(self, tags: Any) -> RawTags:
        """Collect the raw values of every field this family's table names."""
        indexed = self.index(tags)
        raw = RawTags(pictures=self.pictures(indexed))
        if self.index is _as_is:
            for field_name, keys in self.keys.items():
                setattr(raw, field_name, self.first_texts(indexed, keys))
            return raw
        # An index knows which keys the file holds, and a key it lacks has no texts: only the
        # fields of the few keys a file holds are looked at, not the table's forty.
        held = indexed.keys()
        wanted = {field for key in held for field in self._fields_of.get(key, ())}
        for field_name in wanted:
            keys = [key for key in self.keys[field_name] if key in held]
            setattr(raw, field_name, self.first_texts(indexed, keys))
        return raw

    @functools.cached_property
    def _fields_of(self) -> dict[str, tuple[str, ...]]:
        """Map each key of the table to the fields it may fill."""
        fields: dict[str, tuple[str, ...]] = {}
        for field_name, keys in self.keys.items():
            for key in keys:
                fields[key] = (*fields.get(key, ()), field_name)
        return fields
