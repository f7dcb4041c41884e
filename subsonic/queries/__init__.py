"""Reads for Subsonic apps, one module per section of the API (browsing, lists, searching...)
over the shared row loaders (catalogue, songs, albums, artists)."""
