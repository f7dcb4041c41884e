"""Account pages: sign-up, sign-in and out, password change and reset, the profile."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from accounts import services
from accounts.models import ApiToken

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase"


def test_sign_up_creates_a_listener_and_signs_in(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "newbie",
            "email": "n@example.com",
            "password1": "Tune-9-Seas",
            "password2": "Tune-9-Seas",
        },
        follow=True,
    )

    assert response.status_code == 200
    user = get_user_model().objects.get(username="newbie")
    assert not user.is_staff and not user.groups.exists()
    assert response.context["user"] == user


def test_sign_up_with_mismatched_passwords_shows_the_error(client):
    response = client.post(
        "/accounts/signup/",
        {"username": "newbie", "password1": "Tune-9-Seas", "password2": "other-9-Seas"},
    )

    assert response.status_code == 200
    assert b"field-error" in response.content
    assert not get_user_model().objects.filter(username="newbie").exists()


def test_sign_in_page_logs_in_and_goes_to_the_profile(client, listener):
    response = client.post(
        "/accounts/login/", {"username": "ada", "password": PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1][0] == "/accounts/profile/"
    assert b"ada" in response.content


def test_sign_out_needs_a_post_and_ends_the_session(client, listener):
    client.force_login(listener)

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert client.get("/accounts/profile/").status_code == 302


def test_profile_needs_a_signed_in_user(client):
    response = client.get("/accounts/profile/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_home_page_links_to_the_sign_in_page(client):
    assert b'href="/accounts/login/?next=/"' in client.get("/").content


def test_profile_creates_a_named_token_and_shows_its_key_once(client, listener):
    client.force_login(listener)

    created = client.post("/accounts/profile/", {"action": "create-token", "name": "backup"})
    later = client.get("/accounts/profile/")

    key = created.context["token"]
    assert key.encode() in created.content
    assert created["Cache-Control"] == "no-store"
    assert key.encode() not in later.content
    assert key[:8].encode() in later.content and b"backup" in later.content
    assert ApiToken.objects.get(user=listener).key_hash == services.token_key_hash(key)


def test_profile_lists_several_tokens_with_when_they_were_used(client, listener):
    services.token_create(listener, "laptop")
    used = services.token_create(listener, "<b>server</b>")
    services.check_api_token(used.key)
    client.force_login(listener)

    body = client.get("/accounts/profile/").content.decode()

    assert "laptop" in body and "never used" in body
    assert "&lt;b&gt;server&lt;/b&gt;" in body and "last used " in body


def test_profile_revokes_one_token(client, listener):
    keep = services.token_create(listener, "keep")
    drop = services.token_create(listener, "drop")
    client.force_login(listener)

    response = client.post(
        "/accounts/profile/", {"action": "revoke-token", "token_id": drop.key[:8]}, follow=True
    )

    assert list(ApiToken.objects.values_list("name", flat=True)) == ["keep"]
    assert "Token revoked." in response.content.decode()
    assert services.check_api_token(keep.key) is not None


def test_profile_cannot_revoke_another_users_token(client, listener, other):
    theirs = services.token_create(other, "theirs")
    client.force_login(listener)

    client.post("/accounts/profile/", {"action": "revoke-token", "token_id": theirs.key[:8]})

    assert ApiToken.objects.filter(user=other).exists()


def test_profile_shows_the_subsonic_password_once(client, listener):
    client.force_login(listener)

    created = client.post("/accounts/profile/", {"action": "subsonic-password"})
    later = client.get("/accounts/profile/")

    password = services.subsonic_password_for(listener)
    assert password.encode() in created.content
    assert password.encode() not in later.content


def test_profile_streaming_form_is_laid_out_as_the_others_and_saves_in_place(client, listener):
    client.force_login(listener)

    html = client.get("/accounts/profile/").content.decode()

    form = html[html.index('name="action" value="streaming"') - 200 :]
    form = form[: form.index("</form>")]
    assert "data-swap" in form  # saved without a full reload: the music plays on
    assert form.count('class="form-field"') == 2
    assert '<label for="id_max_bitrate">Maximum bitrate</label>' in form
    assert "0: no limit" not in form  # the choices say it in words


def test_password_change_page_changes_the_password(client, listener):
    client.force_login(listener)

    response = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": "Tune-9-Seas", "new_password2": "Tune-9-Seas"},
    )

    assert response["Location"] == "/accounts/password/change/done/"
    listener.refresh_from_db()
    assert listener.check_password("Tune-9-Seas")


def test_password_reset_sends_a_working_link(client, listener):
    client.post("/accounts/password/reset/", {"email": "ada@example.com"})

    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    form = client.get(link.group(1), follow=True)
    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Tune-9-Seas", "new_password2": "Tune-9-Seas"},
    )
    assert response["Location"] == "/accounts/password/reset/complete/"
    listener.refresh_from_db()
    assert listener.check_password("Tune-9-Seas")


def test_password_reset_for_an_unknown_email_sends_nothing(client):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})

    assert response.status_code == 302
    assert mail.outbox == []
