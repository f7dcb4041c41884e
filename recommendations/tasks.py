"""Background tasks of the recommender, run by whichever Django task backend is configured."""

from django.db import transaction
from django.tasks import task

from recommendations import services
from recommendations.models import RefreshState


@task
def refresh_recommendations(full: bool = False) -> dict:
    """Recompute the neighbours of songs whose listeners changed (or of all songs)."""
    with transaction.atomic():
        # One refresh at a time across workers: two writing the same songs' neighbours at once
        # would collide, so the next one waits here and then finds only what came since.
        RefreshState.objects.get_or_create(pk=1)
        RefreshState.objects.select_for_update().filter(pk=1).first()
        result = services.refresh_recommendations(full=full)
    return {"full": result.full, "songs": result.songs, "neighbors": result.neighbors}
