"""Signals of the catalogue that Django's own do not cover."""

from django.dispatch import Signal

# Sent with `song_ids` when songs change by a bulk write (QuerySet.update), which sends no
# post_save: whatever caches songs in this process forgets them.
songs_changed = Signal()
