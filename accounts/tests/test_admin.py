"""API tokens in the admin: admins see who holds which and revoke them; curators see nothing."""

import pytest

from accounts import services
from accounts.models import ApiToken
from accounts.tests.factories import CuratorFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_admin_lists_tokens_by_name_and_prefix_never_a_key(client, listener):
    key = services.token_create(listener, "backup script").key
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))

    body = client.get("/admin/accounts/apitoken/").content.decode()

    assert "backup script" in body and key[:8] in body
    assert key not in body
    assert client.get("/admin/accounts/apitoken/add/").status_code == 403


def test_admin_revokes_a_token(client, listener):
    services.token_create(listener, "old")
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))

    token = ApiToken.objects.get()
    client.post(
        "/admin/accounts/apitoken/",
        {"action": "delete_selected", "_selected_action": [token.pk], "post": "yes"},
    )

    assert not ApiToken.objects.exists()


def test_curators_cannot_see_tokens(client, listener):
    services.token_create(listener, "private")
    client.force_login(CuratorFactory())

    assert client.get("/admin/accounts/apitoken/").status_code == 403
    assert "API tokens" not in client.get("/admin/").content.decode()
