from django.apps import AppConfig


class SubsonicConfig(AppConfig):
    name = "subsonic"
    verbose_name = "Subsonic API"

    def ready(self) -> None:
        from subsonic import handlers  # noqa: F401 - registers every method with the dispatcher
