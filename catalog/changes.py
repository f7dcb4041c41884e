"""The catalogue's change stamp: when the public catalogue last changed (CatalogueChange).

Moved by catalog.events after every commit that open pages are told of, the one place all of
the catalogue's writes announce through; read by catalog.queries.catalogue_changed_at.
"""

from datetime import timedelta

from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from catalog.models import CatalogueChange

CHANGE_STAMP_ID = 1  # the row the migration made


def catalogue_mark_changed() -> None:
    """Move the catalogue's change stamp to now, and always forward.

    Run after the change commits, so a reader who sees the new stamp sees the change too, and
    in a statement of its own, so concurrent ingest transactions never wait on the row. A
    millisecond past the last stamp at least: every change moves it, whatever the clocks say.
    """
    now = timezone.now()
    moved = CatalogueChange.objects.filter(pk=CHANGE_STAMP_ID).update(
        changed_at=Greatest(Value(now), F("changed_at") + timedelta(milliseconds=1))
    )
    if not moved:  # a database flushed since the migration lacks the row
        stamp = CatalogueChange(pk=CHANGE_STAMP_ID, changed_at=now)
        CatalogueChange.objects.bulk_create([stamp], ignore_conflicts=True)
