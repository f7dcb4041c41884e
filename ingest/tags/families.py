"""One mapping routine for every tag family, driven by each family's key table.

A family (ID3, Vorbis comments, MP4 atoms, APEv2, ASF) says how to read the texts under one
of its keys, which keys hold each field (the first key with a value wins), and where its
pictures are. The routine is the same for all of them.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ingest.tags.values import RawPicture, RawTags, clean_all


@dataclass(frozen=True)
class TagFamily:
    """A tag format: its mutagen type, its key table and how to read texts and pictures."""

    tags_type: type
    keys: Mapping[str, tuple[str, ...]]  # RawTags field -> keys, most specific first
    texts: Callable[[Any, str], list[str]]
    pictures: Callable[[Any], list[RawPicture]]

    def first_texts(self, tags: Any, keys: tuple[str, ...]) -> list[str]:
        """Return the texts under the first of ``keys`` that holds a non-blank one."""
        for key in keys:
            found = self.texts(tags, key)
            if clean_all(found):
                return found
        return []

    def map(self, tags: Any) -> RawTags:
        """Collect the raw values of every field this family's table names."""
        raw = RawTags(pictures=self.pictures(tags))
        for field_name, keys in self.keys.items():
            setattr(raw, field_name, self.first_texts(tags, keys))
        return raw
