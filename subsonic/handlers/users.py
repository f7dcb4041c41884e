"""User management: what the signed-in account may do."""

from accounts.queries import is_curator
from subsonic import serializers
from subsonic.dispatch import Call, method
from subsonic.responses import ErrorCode, SubsonicError


@method("getUser")
def get_user(call: Call) -> dict:
    username = call.params.get("username") or call.user.get_username()
    if username != call.user.get_username():
        raise SubsonicError(ErrorCode.NOT_AUTHORIZED, "You may only look at your own account.")
    return {"user": serializers.user(call.user, is_curator=is_curator(call.user))}
