"""The parts of the refresh job (services.refresh_recommendations), one concern each.

columns.py reads and writes numpy columns, baskets.py reads the listeners' and playlists'
baskets, changes.py finds the dirty songs, neighbours.py computes their neighbours.
"""
