"""The pages' tests ingest real audio through the webhook, with the catalogue's fixtures."""

from catalog.tests.conftest import created, post_events, put_song  # noqa: F401
from catalog.tests.fixtures import catalogue  # noqa: F401
