"""System calls: ping, licence, OpenSubsonic extensions, the token's owner, the "scan"."""

from django.conf import settings

from ingest.resync_runs import start_resync
from subsonic.dispatch import Call, method
from subsonic.queries.system import scan_status
from subsonic.responses import ErrorCode, SubsonicError

EXTENSIONS = [
    {"name": "apiKeyAuthentication", "versions": [1]},
    {"name": "formPost", "versions": [1]},
    {"name": "indexBasedQueue", "versions": [1]},
    {"name": "playbackReport", "versions": [1]},
    {"name": "songLyrics", "versions": [1]},
    {"name": "transcodeOffset", "versions": [1]},
    {"name": "transcoding", "versions": [1]},
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
    status = scan_status()
    return {"scanStatus": {"scanning": status.scanning, "count": status.count}}


@method("startScan")
def start_scan(call: Call) -> dict:
    """Start a re-sync of the store (as `manage.py resync` does), then report its status."""
    if not call.user.is_staff:
        raise SubsonicError(ErrorCode.NOT_AUTHORIZED, "Only administrators may start a scan.")
    start_resync(settings.RESYNC_PREFIX)
    return get_scan_status(call)
