"""The one error tag reading raises about a file."""


class MetadataError(Exception):
    """The file cannot be read as audio; ``str(error)`` is the reason shown for the ingest job."""
