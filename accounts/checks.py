"""System checks of accounts: what a deployment without a mail server cannot do."""

from django.core import checks

from accounts.mail import mail_configured

NO_MAIL_SERVER = checks.Info(
    "No mail server: password-reset emails are not sent (nor printed to the log).",
    hint="Set EMAIL_HOST (and EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_PORT) to send them; "
    "until then an admin sets forgotten passwords in the admin.",
    id="accounts.I001",
)


@checks.register(checks.Tags.security, deploy=True)
def check_mail_server(app_configs, **kwargs) -> list[checks.CheckMessage]:
    return [] if mail_configured() else [NO_MAIL_SERVER]
