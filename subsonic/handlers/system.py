"""System calls: ping, licence, OpenSubsonic extensions, the token's owner, the "scan"."""

from subsonic.dispatch import Call, method
from subsonic.queries.system import scan_status
from subsonic.responses import ErrorCode, SubsonicError

EXTENSIONS = [
    {"name": "apiKeyAuthentication", "versions": [1]},
    {"name": "formPost", "versions": [1]},
    {"name": "indexBasedQueue", "versions": [1]},
    {"name": "playbackReport", "versions": [1]},
    {"name": "songLyrics", "versions": [1]},
]


@method("ping")
def ping(call: Call) -> dict:
    return {}


@method("getLicense")
def get_license(call: Call) -> dict:
    return {"license": {"valid": True}}


@method("getOpenSubsonicExtensions", public=True)
def get_open_subsonic_extensions(call: Call) -> dict:
    return {"openSubsonicExtensions": EXTENSIONS}


@method("tokenInfo")
def token_info(call: Call) -> dict:
    return {"tokenInfo": {"username": call.user.get_username()}}


@method("getScanStatus")
def get_scan_status(call: Call) -> dict:
    scanning, count = scan_status()
    return {"scanStatus": {"scanning": scanning, "count": count}}


@method("startScan")
def start_scan(call: Call) -> dict:
    """Report the ingest state: every store event already ingests, so there is no scan to run."""
    if not call.user.is_staff:
        raise SubsonicError(ErrorCode.NOT_AUTHORIZED, "Only administrators may start a scan.")
    return get_scan_status(call)
