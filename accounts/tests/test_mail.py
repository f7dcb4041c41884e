"""Without a mail server, production sends no reset links anywhere and says so."""

import re

import pytest
from django.core import checks, mail

from accounts.mail import UNCONFIGURED_BACKEND
from tests.support import settings_value

pytestmark = pytest.mark.django_db

SMTP = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend"}}


@pytest.fixture
def no_mail_server(settings):
    settings.MAILERS = {"default": {"BACKEND": UNCONFIGURED_BACKEND}}


def deploy_check_ids() -> set[str]:
    return {message.id for message in checks.run_checks(include_deployment_checks=True)}


def test_password_reset_without_a_mail_server_sends_nothing_and_says_so(
    client, listener, no_mail_server, capsys, caplog
):
    page = client.get("/accounts/password/reset/")
    response = client.post("/accounts/password/reset/", {"email": "ada@example.com"})

    assert b"no mail server" in page.content
    assert response.status_code == 200 and b"no mail server" in response.content
    assert mail.outbox == []
    printed = capsys.readouterr().out + caplog.text
    assert not re.search(r"/accounts/password/reset/\w+/[\w-]+/", printed)


def test_the_unconfigured_backend_never_writes_the_message(no_mail_server, capsys, caplog):
    sent = mail.send_mail("Reset", "secret-link-123", "a@example.com", ["b@example.com"])

    assert sent == 0
    assert "secret-link-123" not in capsys.readouterr().out + caplog.text
    assert "no mail server" in caplog.text


def test_check_deploy_says_there_is_no_mail_server(no_mail_server):
    ids = deploy_check_ids()

    assert "accounts.I001" in ids
    assert "mail.E001" not in ids


def test_check_deploy_is_quiet_about_mail_with_a_mail_server(settings):
    settings.MAILERS = SMTP

    assert "accounts.I001" not in deploy_check_ids()


def test_settings_print_mail_only_while_debug_and_never_in_production():
    backend = "settings.MAILERS['default']['BACKEND']"

    assert settings_value(backend, DJANGO_DEBUG="0") == UNCONFIGURED_BACKEND
    assert settings_value(backend, DJANGO_DEBUG="1") == (
        "django.core.mail.backends.console.EmailBackend"
    )
    assert settings_value(backend, DJANGO_DEBUG="0", EMAIL_HOST="smtp.example.com") == (
        "django.core.mail.backends.smtp.EmailBackend"
    )
