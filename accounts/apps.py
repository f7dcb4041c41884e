import logging

from django.apps import AppConfig

logger = logging.getLogger(__name__)


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from accounts import checks  # registers them
        from accounts.mail import mail_configured

        if not mail_configured():
            logger.warning("%s %s", checks.NO_MAIL_SERVER.msg, checks.NO_MAIL_SERVER.hint)
