"""Background tasks of the recommender, run by whichever Django task backend is configured."""

from django.tasks import task

from recommendations import services


@task
def refresh_recommendations(full: bool = False) -> dict:
    """Recompute the neighbours of songs whose listeners changed (or of all songs)."""
    result = services.refresh_recommendations(full=full)
    return {"full": result.full, "songs": result.songs, "neighbors": result.neighbors}
