"""Without a dedicated refresher, listeners' writes schedule a refresh a short delay later."""

import logging

import pytest

from catalog.tests.factories import SongFactory
from recommendations import schedule
from recommendations.queries import recommend_for_user
from recommendations.tests.factories import fans
from tests.support import wait_for

# The refresh runs on a timer thread with a connection of its own: it must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)

DELAY = 0.3


@pytest.fixture
def neon_fans():
    """Fans like Neon Rain with Low Tide; no refresh has run, so neither has neighbours yet."""
    neon = SongFactory(title="Neon Rain")
    tide = SongFactory(title="Low Tide")
    fans([neon, tide], 3)
    return neon, tide


@pytest.fixture
def auto_refresh(settings, caplog):
    """Turn the scheduled refresh on with a short delay; return a count of refreshes so far."""
    settings.RECOMMENDATIONS_AUTO_REFRESH = True
    settings.RECOMMENDATIONS_REFRESH_DELAY = DELAY
    caplog.set_level(logging.INFO, logger="recommendations.services")
    yield lambda: sum("recommendations refreshed" in r.getMessage() for r in caplog.records)
    schedule.cancel_pending()


def _reasons(user) -> set[str]:
    return {pick.reason for pick in recommend_for_user(user, limit=10)}


def test_a_like_reaches_the_listeners_recommendations_after_the_delay(
    neon_fans, listener, listener_api, auto_refresh
):
    neon, tide = neon_fans
    assert "Because you liked Neon Rain" not in _reasons(listener)

    response = listener_api.post(f"/api/v1/songs/{neon.pk}/like/")

    assert response.status_code == 200
    wait_for(
        lambda: "Because you liked Neon Rain" in _reasons(listener),
        timeout=30,
        failure=lambda: f"recommendations are still {_reasons(listener)}",
    )
    assert recommend_for_user(listener, limit=1)[0].song == tide


def test_a_burst_of_writes_costs_one_refresh(settings, listener, listener_api, auto_refresh):
    settings.RECOMMENDATIONS_REFRESH_DELAY = 2  # the burst fits in it on a loaded machine too
    songs = [SongFactory(title=f"Song {n}") for n in range(5)]

    for song in songs:
        assert listener_api.post(f"/api/v1/songs/{song.pk}/like/").status_code == 200
    rated = listener_api.put(f"/api/v1/songs/{songs[0].pk}/rating/", {"stars": 4}, format="json")
    assert rated.status_code == 200
    wait_for(auto_refresh, timeout=30, failure=lambda: "no refresh ran")

    assert auto_refresh() == 1
    assert schedule._timer is None  # nothing else due: the burst joined one refresh
    listener_api.delete(f"/api/v1/songs/{songs[1].pk}/like/")
    wait_for(lambda: auto_refresh() == 2, timeout=30, failure=lambda: "the unlike ran no refresh")


def test_no_refresh_is_scheduled_when_a_dedicated_refresher_runs(
    settings, neon_fans, listener, listener_api, auto_refresh
):
    settings.RECOMMENDATIONS_AUTO_REFRESH = False
    neon, _ = neon_fans

    listener_api.post(f"/api/v1/songs/{neon.pk}/like/")

    assert schedule._timer is None
    assert auto_refresh() == 0
