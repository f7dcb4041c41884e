"""The pages' tests ingest real audio through the webhook, with the catalogue's fixtures."""

from catalog.tests.fixtures import catalogue  # noqa: F401
