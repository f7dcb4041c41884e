"""Reads for annotation: the albums and artists a star names, as bare rows, by id."""

from catalog.models import Album, Artist


def albums_by_pk(ids: list[int]) -> dict[int, Album]:
    return Album.objects.in_bulk(ids)


def artists_by_pk(ids: list[int]) -> dict[int, Artist]:
    return Artist.objects.in_bulk(ids)
