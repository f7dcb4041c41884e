"""Mail without a mail server: in production nothing goes to the console, where a password-reset
link would sit in the server's log for anyone who reads it."""

import logging

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger(__name__)

UNCONFIGURED_BACKEND = "accounts.mail.UnconfiguredEmailBackend"


class UnconfiguredEmailBackend(BaseEmailBackend):
    """Send nothing and say so (never the message itself): there is no mail server."""

    def send_messages(self, email_messages) -> int:
        for message in email_messages:
            logger.warning(
                "Not sent (no mail server, EMAIL_HOST is not set): %r to %d recipient(s)",
                message.subject,
                len(message.recipients()),
            )
        return 0


def mail_configured() -> bool:
    """Tell whether this server can send mail (a mail server, or the console while DEBUG)."""
    mailer = settings.MAILERS.get("default", {})
    return mailer.get("BACKEND") != UNCONFIGURED_BACKEND
