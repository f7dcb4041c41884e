"""Hand the starred albums and artists, the play queue and now playing to library.

State only: library.0002 took over the same tables, rows and content types.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("subsonic", "0001_initial"),
        ("library", "0002_move_subsonic_marks"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="PlayQueueEntry"),
                migrations.DeleteModel(name="PlayQueue"),
                migrations.DeleteModel(name="NowPlaying"),
                migrations.DeleteModel(name="StarredAlbum"),
                migrations.DeleteModel(name="StarredArtist"),
            ],
        ),
    ]
