"""Tag reading: mutagen -> ``catalog.metadata.SongMetadata``, one key table per tag family."""

from ingest.tags.errors import MetadataError
from ingest.tags.reader import read_metadata

__all__ = ["MetadataError", "read_metadata"]
