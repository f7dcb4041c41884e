"""seed_demo's admin / admin account: only while DEBUG is on, or when asked for by name."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from catalog.tests.factories import SongFactory

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    SongFactory()  # a catalogue that is not empty: the command seeds no audio
    errors = io.StringIO()
    call_command("seed_demo", *args, stdout=io.StringIO(), stderr=errors)
    return errors.getvalue()


def admin_exists() -> bool:
    return get_user_model().objects.filter(username="admin", is_superuser=True).exists()


def test_with_debug_off_the_demo_admin_is_refused_and_the_command_says_so(settings):
    settings.DEBUG = False

    said = seed()

    assert not admin_exists()
    assert "Not creating the admin / admin demo account" in said


def test_with_debug_on_the_demo_admin_is_made(settings):
    settings.DEBUG = True

    seed()

    assert admin_exists()


def test_the_flag_asks_for_the_demo_admin_with_debug_off(settings):
    settings.DEBUG = False

    seed("--with-demo-admin")

    assert admin_exists()


@pytest.mark.django_db(transaction=True)  # the seed commits its jobs and waits for them
def test_the_demo_songs_come_in_once_and_a_resync_then_reads_nothing(settings):
    """The seed's events carry the store's ETags, so the re-sync `make run` does next skips them."""
    settings.DEBUG = True
    said = io.StringIO()
    call_command("seed_demo", stdout=said)

    resynced = io.StringIO()
    call_command("resync", "--prefix", "music/", stdout=resynced)

    assert "9 of 9 songs ingested" in said.getvalue()
    assert "0 added, 0 updated, 0 removed, 9 unchanged" in resynced.getvalue()
