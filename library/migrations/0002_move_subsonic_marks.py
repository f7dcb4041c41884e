"""Take over the starred albums and artists, the play queue and now playing from subsonic.

Only Django's state moves: the tables keep their names (db_table) and their rows, and the
content types (with the permissions that point at them) are relabelled, not recreated.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = ["starredalbum", "starredartist", "playqueue", "playqueueentry", "nowplaying"]


def relabel(apps, schema_editor, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    taken = set(
        ContentType.objects.using(db)
        .filter(app_label=target, model__in=MOVED)
        .values_list("model", flat=True)
    )
    ContentType.objects.using(db).filter(app_label=source, model__in=MOVED).exclude(
        model__in=taken
    ).update(app_label=target)


def to_library(apps, schema_editor) -> None:
    relabel(apps, schema_editor, "subsonic", "library")


def to_subsonic(apps, schema_editor) -> None:
    relabel(apps, schema_editor, "library", "subsonic")


class Migration(migrations.Migration):
    dependencies = [
        ("library", "0001_initial"),
        ("subsonic", "0001_initial"),
        ("catalog", "0004_search_postgres"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="PlayQueue",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("position_ms", models.PositiveBigIntegerField(default=0)),
                        ("changed_by", models.CharField(blank=True, max_length=200)),
                        ("changed_at", models.DateTimeField(auto_now=True)),
                        ("current", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="catalog.song")),
                        ("user", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={"db_table": "subsonic_playqueue"},
                ),
                migrations.CreateModel(
                    name="PlayQueueEntry",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("position", models.PositiveIntegerField()),
                        ("queue", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="entries", to="library.playqueue")),
                        ("song", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="catalog.song")),
                    ],
                    options={"db_table": "subsonic_playqueueentry", "ordering": ["position", "id"]},
                ),
                migrations.CreateModel(
                    name="NowPlaying",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("player", models.CharField(blank=True, help_text="The client's name (c=).", max_length=200)),
                        ("started_at", models.DateTimeField()),
                        ("song", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="catalog.song")),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "subsonic_nowplaying",
                        "ordering": ["-started_at", "-id"],
                        "constraints": [models.UniqueConstraint(fields=("user", "player"), name="now_playing_per_player")],
                    },
                ),
                migrations.CreateModel(
                    name="StarredAlbum",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("album", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="catalog.album")),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "subsonic_starredalbum",
                        "ordering": ["-created_at", "-id"],
                        "constraints": [models.UniqueConstraint(fields=("user", "album"), name="starred_album_once")],
                    },
                ),
                migrations.CreateModel(
                    name="StarredArtist",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("artist", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="catalog.artist")),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "subsonic_starredartist",
                        "ordering": ["-created_at", "-id"],
                        "constraints": [models.UniqueConstraint(fields=("user", "artist"), name="starred_artist_once")],
                    },
                ),
            ],
        ),
        migrations.RunPython(to_library, to_subsonic),
    ]
