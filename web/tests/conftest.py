"""The pages' tests ingest real audio through the webhook, with the catalogue's fixtures."""

from accounts.tests.fixtures import listener  # noqa: F401
from catalog.tests.fixtures import catalogue  # noqa: F401
