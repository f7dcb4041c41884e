"""User management: what the signed-in account may do."""

from accounts.queries import is_curator
from subsonic import serializers
from subsonic.dispatch import Call, account_named, method


@method("getUser")
def get_user(call: Call) -> dict:
    account = account_named(call)
    return {"user": serializers.user(account, is_curator=is_curator(account))}
