"""On the embedded shape's server (daphne, jobs on its thread pool), a like reaches the
listener's recommendations a refresh delay later, with no refresher process running."""

import pytest
import requests

from accounts.tests.factories import UserFactory
from catalog.tests.factories import SongFactory
from recommendations.tests.factories import fans
from tests.support import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-pass-phrase"  # UserFactory's


@pytest.fixture(scope="module")
def learning_server(start_asgi_server):
    return start_asgi_server(
        "learning", RECOMMENDATIONS_AUTO_REFRESH="1", RECOMMENDATIONS_REFRESH_DELAY="1"
    )


def test_a_like_through_the_api_changes_the_recommendations_within_seconds(learning_server):
    neon, tide = SongFactory(title="Neon Rain"), SongFactory(title="Low Tide")
    fans([neon, tide], 3)
    UserFactory(username="ada")
    api = requests.Session()
    token = api.post(
        f"{learning_server.url}/api/v1/auth/token/",
        json={"username": "ada", "password": PASSWORD},
        timeout=10,
    ).json()["token"]
    api.headers["Authorization"] = f"Token {token}"

    def reasons() -> set[str]:
        answer = api.get(f"{learning_server.url}/api/v1/recommendations/", timeout=10)
        return {pick["reason"] for pick in answer.json()["results"]}

    assert "Because you liked Neon Rain" not in reasons()
    assert api.post(f"{learning_server.url}/api/v1/songs/{neon.pk}/like/", timeout=10).ok

    wait_for(
        lambda: "Because you liked Neon Rain" in reasons(),
        timeout=60,
        failure=lambda: f"still {reasons()}:\n{learning_server.log_tail()}",
    )
