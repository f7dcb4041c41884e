"""Catalogue fixtures for catalog's tests (songs arriving by ingest come from the root plugin)."""

from catalog.tests.fixtures import catalogue, spelled_catalogue  # noqa: F401
