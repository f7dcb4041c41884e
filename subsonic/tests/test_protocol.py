"""The protocol: formats, the envelope, error codes, authentication and the system methods."""

import logging
from xml.etree import ElementTree

import pytest

from accounts.services import subsonic_password_reset
from accounts.signin import LOCKOUT_FAILURES
from accounts.tests.factories import UserFactory
from catalog.models import Song
from demo.audio_samples import SampleTags
from ingest.resync import ResyncReport
from ingest.resync_runs import wait_for_resync
from ingest.resync_shared import LOCK_KEY, STATUS_KEY, SharedResync
from subsonic.dispatch import METHODS
from subsonic.tests.conftest import make_api_key, token_params

NS = "{http://subsonic.org/restapi}"


def _xml(response) -> ElementTree.Element:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    return ElementTree.fromstring(response.content)


def test_ping_answers_the_xml_envelope_by_default(client, listener):
    response = client.get("/rest/ping.view", token_params("ada", listener.password))

    root = _xml(response)
    assert root.tag == f"{NS}subsonic-response"
    assert root.attrib == {
        "status": "ok",
        "version": "1.16.1",
        "type": "tidalpool",
        "serverVersion": "0.1.0",
        "openSubsonic": "true",
    }


def test_ping_answers_json_and_jsonp(client, listener):
    params = token_params("ada", listener.password)

    body = client.get("/rest/ping", {**params, "f": "json"}).json()
    jsonp = client.get("/rest/ping", {**params, "f": "jsonp", "callback": "app.done"})

    assert body == {
        "subsonic-response": {
            "status": "ok",
            "version": "1.16.1",
            "type": "tidalpool",
            "serverVersion": "0.1.0",
            "openSubsonic": True,
        }
    }
    assert jsonp["Content-Type"].startswith("application/javascript")
    assert jsonp.content.startswith(b'app.done({"subsonic-response":{"status":"ok"')
    assert jsonp.content.endswith(b"});")


def test_jsonp_never_echoes_a_callback_that_is_not_a_name(client, listener):
    params = {**token_params("ada", listener.password), "f": "jsonp"}

    hostile = client.get("/rest/ping", {**params, "callback": "alert(document.cookie)//"})
    missing = client.get("/rest/ping", params)

    assert b"alert" not in hostile.content
    assert hostile["Content-Type"] == "application/json"
    assert missing.json()["subsonic-response"]["error"]["code"] == 10


def test_a_form_post_works_like_a_get(client, listener):
    response = client.post("/rest/getLicense.view", {**token_params("ada", listener.password)})

    root = _xml(response)
    assert root.get("status") == "ok"
    assert root.find(f"{NS}license").get("valid") == "true"


def test_a_form_post_in_latin_1_is_read_in_its_charset(client, listener):
    # Apache HttpClient's UrlEncodedFormEntity (Java, Android apps) sends ISO-8859-1 by default.
    body = "&".join(
        f"{key}={value}" for key, value in token_params("ada", listener.password).items()
    )
    body += "&f=json&name=Ros%E9"

    response = client.post(
        "/rest/createPlaylist.view",
        body,
        content_type="application/x-www-form-urlencoded; charset=ISO-8859-1",
    )

    assert response.status_code == 200
    answer = response.json()["subsonic-response"]
    assert answer["status"] == "ok", answer
    assert answer["playlist"]["name"] == "Rosé"


def test_a_form_post_in_a_charset_nobody_knows_is_read_as_utf_8(client, listener):
    # generic(): post() would itself encode the body in that charset.
    response = client.generic(
        "POST",
        "/rest/ping.view?f=json",
        b"u=ada&p=whatever",
        content_type="application/x-www-form-urlencoded; charset=x-nonsense",
    )

    assert response.status_code == 200
    answer = response.json()["subsonic-response"]
    # Django drops a charset it has no codec for: the body is read, its password is wrong.
    assert (answer["status"], answer["error"]["code"]) == ("failed", 40)


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("right", "ok"),
        ("enc:right", "ok"),
        ("wrong", "failed"),
        ("account", "failed"),
        ("enc:zz-not-hex", "failed"),
        ("enc:c3a9", "failed"),  # hex of "é": no Subsonic password is that
        ("é-not-ascii", "failed"),
    ],
)
def test_password_auth_takes_the_subsonic_password_clear_or_hex(
    client, listener, password, expected
):
    clear = listener.password
    value = {
        "right": clear,
        "enc:right": "enc:" + clear.encode().hex(),
        "account": "a-long-pass-phrase",  # the account password never opens Subsonic
    }.get(password, password)

    body = client.get("/rest/ping", {"u": "ada", "p": value, "f": "json"}).json()

    assert body["subsonic-response"]["status"] == expected
    if expected == "failed":
        assert body["subsonic-response"]["error"]["code"] == 40


def test_token_auth_checks_md5_of_password_and_salt(client, listener):
    good = token_params("ada", listener.password)
    wrong_salt = {**good, "s": good["s"] + "x"}
    other_password = token_params("ada", "not-it")

    def status(params):
        return client.get("/rest/ping", {**params, "f": "json"}).json()["subsonic-response"]

    assert status(good)["status"] == "ok"
    assert status(wrong_salt)["error"]["code"] == 40
    assert status(other_password)["error"]["code"] == 40
    assert status({**good, "t": "ü" * 32})["error"]["code"] == 40


def test_signing_in_reads_the_user_and_their_subsonic_password_in_one_query(
    client, listener, django_assert_num_queries
):
    for params in (token_params("ada", listener.password), {"u": "ada", "p": listener.password}):
        with django_assert_num_queries(1):
            body = client.get("/rest/ping", {**params, "f": "json"}).json()
        assert body["subsonic-response"]["status"] == "ok"


def test_a_user_without_a_subsonic_password_cannot_sign_in(client, db):
    UserFactory(username="carl")

    body = client.get("/rest/ping", {"u": "carl", "p": "a-long-pass-phrase", "f": "json"}).json()

    assert body["subsonic-response"]["error"]["code"] == 40


def test_inactive_users_are_refused(client, listener):
    listener.user.is_active = False
    listener.user.save()

    body = client.get("/rest/ping", {**token_params("ada", listener.password), "f": "json"}).json()

    assert body["subsonic-response"]["error"]["code"] == 40


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, 10),
        ({"u": "ada"}, 10),
        ({"u": "ada", "t": "abc"}, 10),
        ({"u": "ada", "p": "x", "t": "y", "s": "z"}, 43),
    ],
)
def test_missing_or_conflicting_credentials_have_their_codes(client, listener, params, code):
    body = client.get("/rest/ping", {**params, "f": "json"}).json()["subsonic-response"]

    assert body["status"] == "failed"
    assert body["error"]["code"] == code


def test_api_key_is_a_rest_api_token(client, listener):
    key = make_api_key(listener.user)

    ok = client.get("/rest/tokenInfo", {"apiKey": key, "f": "json"}).json()["subsonic-response"]
    with_user = client.get("/rest/ping", {"apiKey": key, "u": "ada", "f": "json"}).json()
    unknown = client.get("/rest/ping", {"apiKey": "nope", "f": "json"}).json()

    assert ok["status"] == "ok"
    assert ok["tokenInfo"] == {"username": "ada"}
    assert with_user["subsonic-response"]["error"]["code"] == 43
    assert unknown["subsonic-response"]["error"]["code"] == 44


def test_failed_attempts_are_throttled_even_for_the_right_password_afterwards(client, listener):
    for _ in range(LOCKOUT_FAILURES):
        wrong = client.get("/rest/ping", {"u": "ada", "p": "guess", "f": "json"}).json()
        assert wrong["subsonic-response"]["error"]["code"] == 40

    body = client.get("/rest/ping", {"u": "ada", "p": listener.password, "f": "json"}).json()

    assert body["subsonic-response"]["error"]["code"] == 40
    assert "Too many" in body["subsonic-response"]["error"]["message"]


def test_unknown_methods_and_versions_answer_errors_not_http_failures(sub):
    assert sub.error("noSuchMethod")["code"] == 70
    assert sub.error("ping", v="2.0.0")["code"] == 30
    assert sub.error("ping", v="0.9.0")["code"] == 20
    assert sub.call("ping", v="1.2.0")["status"] == "ok"


def test_open_subsonic_extensions_need_no_credentials(client, db):
    body = client.get("/rest/getOpenSubsonicExtensions", {"f": "json"}).json()

    extensions = body["subsonic-response"]["openSubsonicExtensions"]
    assert {"name": "apiKeyAuthentication", "versions": [1]} in extensions
    assert {"name": "formPost", "versions": [1]} in extensions
    assert {"name": "songLyrics", "versions": [1]} in extensions


def test_open_subsonic_extensions_in_xml_repeat_versions_as_elements(client, db):
    root = _xml(client.get("/rest/getOpenSubsonicExtensions"))

    found = root.findall(f"{NS}openSubsonicExtensions")
    lyrics = next(e for e in found if e.get("name") == "songLyrics")
    assert [version.text for version in lyrics.findall(f"{NS}versions")] == ["1"]


def test_system_methods(sub, catalogue):
    assert sub.call("getLicense")["license"] == {"valid": True}
    assert sub.call("getMusicFolders")["musicFolders"] == {
        "musicFolder": [{"id": 1, "name": "Music"}]
    }
    assert sub.call("getScanStatus")["scanStatus"] == {"scanning": False, "count": 5}
    assert sub.error("startScan")["code"] == 50


@pytest.mark.django_db(transaction=True)
def test_start_scan_resyncs_files_copied_into_the_store(client, put_song, settings):
    """startScan re-syncs the store: a file that arrived without an event becomes a song."""
    admin = UserFactory(username="ada", is_staff=True)
    password = subsonic_password_reset(admin)
    settings.RESYNC_PREFIX = "music/"
    put_song("music/copied/while-down.flac", SampleTags(title="While Down"))
    auth = {**token_params("ada", password), "f": "json"}

    started = client.get("/rest/startScan", auth).json()["subsonic-response"]

    assert started["status"] == "ok" and "scanStatus" in started
    assert wait_for_resync(timeout=120)
    status = client.get("/rest/getScanStatus", auth).json()["subsonic-response"]["scanStatus"]
    assert status == {"scanning": False, "count": 1}
    assert list(Song.objects.values_list("title", flat=True)) == ["While Down"]


@pytest.mark.django_db
def test_scan_calls_see_a_resync_running_in_another_process(client):
    admin = UserFactory(username="ada", is_staff=True)
    auth = {**token_params("ada", subsonic_password_reset(admin)), "f": "json"}
    elsewhere = SharedResync()
    elsewhere.cache.delete_many([LOCK_KEY, STATUS_KEY])
    run_id = elsewhere.acquire("music/")
    elsewhere.publish(ResyncReport(prefix="music/", listed=1500))
    try:
        status = client.get("/rest/getScanStatus", auth).json()["subsonic-response"]
        started = client.get("/rest/startScan", auth).json()["subsonic-response"]

        assert status["scanStatus"] == {"scanning": True, "count": 1500}
        assert started["scanStatus"] == {"scanning": True, "count": 1500}
        assert elsewhere.cache.get(LOCK_KEY) == run_id  # no second re-sync took over
    finally:
        elsewhere.cache.delete_many([LOCK_KEY, STATUS_KEY])


def test_get_user_describes_the_caller_only(sub, other_listener):
    user = sub.call("getUser", username="ada")["user"]

    assert user["username"] == "ada"
    assert user["streamRole"] is True and user["adminRole"] is False
    assert user["scrobblingEnabled"] is True
    assert user["folder"] == [1]
    assert sub.error("getUser", username="bob")["code"] == 50


def test_an_admin_reads_another_users_account_and_playlists(client, listener, other_listener):
    from subsonic.tests.conftest import SubsonicClient

    listener.user.is_superuser = True
    listener.user.save(update_fields=["is_superuser"])
    admin, bob = SubsonicClient(client, listener), SubsonicClient(client, other_listener)
    bob.call("createPlaylist", name="Bob's own")

    user = admin.call("getUser", username="bob")["user"]
    listed = admin.call("getPlaylists", username="bob")["playlists"]["playlist"]

    assert (user["username"], user["adminRole"]) == ("bob", False)
    assert [playlist["name"] for playlist in listed] == ["Bob's own"]
    assert admin.error("getUser", username="nobody")["code"] == 70
    assert bob.error("getPlaylists", username="ada")["code"] == 50


GARBAGE = {
    "id": ["tr-abc", "al-", "xx-1", "tr-99999999999999999999", "", "tr-0", "\x00", "tr-1\u0663"],
    "size": ["-5", "lots", "99999999999999999999999"],
    "count": ["-1", "many"],
    "offset": ["-3", "x"],
    "type": ["nonsense", ""],
    "rating": ["9", "-2", "x"],
    "time": ["yesterday", "99999999999999999999999"],
    "fromYear": ["x"],
    "toYear": ["-99999"],
    "songIndexToRemove": ["x", "-1"],
    "playlistId": ["pl-x", "pl-424242"],
    "songIdToAdd": ["tr-x"],
    "songId": ["tr-", "al-1"],
    "position": ["-1", "x"],
    "query": ["\"'%_*\\", "a" * 5000, "nul\x00byte"],
    "genre": ["\u202e", "x" * 3000, "\x00"],
    "artist": ["\x00", "x" * 3000],
    "title": ["\x00"],
    "username": ["\x00"],
    "c": ["\x00" * 3, "p" * 500],
    "current": ["tr-x"],
    "public": ["maybe"],
    "submission": ["perhaps"],
}


def test_garbage_parameters_never_break_any_method(sub, catalogue, caplog):
    caplog.set_level(logging.ERROR, logger="subsonic")
    failures = []
    for name in sorted(METHODS):
        for param, values in GARBAGE.items():
            for index, value in enumerate(values):
                fmt = ("xml", "json")[index % 2]
                response = sub.get(name, fmt=fmt, **{param: value})
                if response.status_code >= 500:
                    failures.append((name, param, value, response.status_code))
    assert failures == []
    assert [record.getMessage() for record in caplog.records] == []


def test_cors_preflight_is_answered_for_any_origin(client):
    response = client.options(
        "/rest/getAlbumList2.view",
        headers={
            "Origin": "https://player.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "x-requested-with",
        },
    )

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]
    assert response["Access-Control-Allow-Headers"] == "x-requested-with"


def test_answers_and_errors_may_be_read_from_another_origin(client, listener):
    ok = client.get("/rest/ping.view", token_params("ada", listener.password))
    failed = client.get("/rest/ping.view", token_params("ada", "wrong"))

    assert ok["Access-Control-Allow-Origin"] == "*"
    assert failed["Access-Control-Allow-Origin"] == "*"
    assert "Content-Range" in ok["Access-Control-Expose-Headers"]


@pytest.mark.parametrize("typed", ["Ada", "ADA", "ada"])
def test_usernames_match_whatever_their_case(client, listener, typed):
    body = client.get(
        "/rest/ping.view", {**token_params(typed, listener.password), "f": "json"}
    ).json()["subsonic-response"]

    assert body["status"] == "ok"


def test_an_exact_username_wins_over_one_differing_in_case(client, listener):
    from accounts.services import subsonic_password_reset

    shouting = UserFactory(username="ADA")
    password = subsonic_password_reset(shouting)

    body = client.get("/rest/getUser.view", {**token_params("ADA", password), "f": "json"}).json()[
        "subsonic-response"
    ]

    assert body["user"]["username"] == "ADA"
