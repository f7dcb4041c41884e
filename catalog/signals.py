"""Signals of the catalogue that Django's own do not cover."""

from django.dispatch import Signal

# Sent with `song_ids` when songs change by a bulk write (QuerySet.update), which sends no
# post_save: whatever caches songs in this process forgets them.
songs_changed = Signal()

# Sent with `replacements` ({old song id: new song id}) in the transaction that is about to
# delete the old songs, each of them the same recording as its new one (the same file under
# another key): the apps that keep a listener's marks of songs move them to the new song.
songs_replaced = Signal()

# Sent the same way, with {old id: new id}, when a curator merges albums or artists: the
# duplicates are about to be deleted, and listeners' stars and ratings of them follow.
albums_replaced = Signal()
artists_replaced = Signal()
