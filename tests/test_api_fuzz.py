"""Schema-driven fuzzing of the REST API (schemathesis): no input gets a 5xx, and every answer
conforms to /api/v1/schema/ (status codes, content types, bodies, the one error shape), for
requests the schema allows and for requests it does not.

Bounded and seeded so CI runs the same few examples per operation each time, in a minute or so.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode, checks

from accounts import services
from accounts.tests.factories import CuratorFactory
from catalog.tests.factories import SongFactory
from playlists.tests.factories import PlaylistFactory, PlaylistItemFactory

EXAMPLES_PER_OPERATION = 10
# No 5xx, and the answer conforms to the schema. Not `positive_data_acceptance`: the schema
# cannot say every rule a valid request meets (an id filter must name a row that can exist).
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


@pytest.fixture
def api_schema(db):
    # Something for ids to find: a song on an album, a playlist of the caller's with a track.
    curator = CuratorFactory(username="fuzz")
    song = SongFactory()
    item = PlaylistItemFactory(playlist=PlaylistFactory(owner=curator), song=song)
    token = services.token_create(curator, "fuzz")
    # As Django's test client does: requests must not close the test's database connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        app = get_wsgi_application()
        schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", app)
        schema.fuzz_token = token.key
        schema.real_ids = {
            "songs": {"id": song.pk},
            "albums": {"id": song.album_id},
            "artists": {"id": song.artist_id},
            "playlists": {"id": item.playlist_id, "item_id": item.pk},
            # Another token of the caller's: the one the fuzzer signs in with must survive.
            "me": {"token_id": services.token_create(curator, "spare").token.prefix},
        }
        yield schema
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def with_real_ids(schema, case, real: bool):
    """Point a case's path ids at rows that exist (when `real`), so it gets past the 404."""
    resource = case.operation.path.removeprefix("/api/v1/").split("/")[0]
    if real and case.path_parameters:
        for name, value in schema.real_ids.get(resource, {}).items():
            if name in case.path_parameters:
                case.path_parameters[name] = value
    return case


# Not schemathesis' own pytest plugin (@schema.parametrize): its lazy loader needs a pytest
# internal that pytest 9 dropped. Each operation runs under Hypothesis here instead.
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_answers_within_its_schema(api_schema, mode):
    headers = {"Authorization": f"Token {api_schema.fuzz_token}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 20

    for operation in operations:
        cases = st.tuples(operation.as_strategy(generation_mode=mode), st.booleans())

        @given(case=cases.map(lambda drawn: with_real_ids(api_schema, *drawn)))
        @seed(19)
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def answers_within_its_schema(case):
            # The case's own headers win over call_and_validate's: sign it in through them.
            case.headers = {**(case.headers or {}), **headers}
            case.call_and_validate(checks=CHECKS)

        try:
            answers_within_its_schema()
        except Unsatisfiable:
            # Nothing in this operation can be made invalid (a GET without parameters).
            assert mode is GenerationMode.NEGATIVE
