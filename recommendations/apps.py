from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class RecommendationsConfig(AppConfig):
    name = "recommendations"
    verbose_name = "Recommendations"

    def ready(self) -> None:
        from library.models import Like, Play, Rating
        from playlists.models import PlaylistItem
        from recommendations.schedule import refresh_soon

        # What the recommender learns from; Subsonic's bulk playlist writes send no signal and
        # are seen by the next refresh any other write schedules.
        for model in (Like, Rating, Play, PlaylistItem):
            for signal in (post_save, post_delete):
                signal.connect(
                    refresh_soon,
                    sender=model,
                    dispatch_uid=f"recommendations-{model.__name__}-{signal is post_save}",
                )
