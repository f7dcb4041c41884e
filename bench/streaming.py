"""Range streaming from local storage beside static file servers, on the same file.

Three shapes, timed alternately in the same rounds so drift in the machine's load falls on all:
our daphne answering GET /api/v1/songs/<id>/stream/ itself beside `python -m RangeHTTPServer`
(the standard library's http.server plus Range support); and production's two, beside the same
nginx serving the file statically: nginx in front of a daphne with
MEDIA_SENDFILE=x-accel-redirect (daphne finds the song for each range, nginx sends the bytes),
and with MEDIA_SENDFILE=signed-redirect (one GET of the stream URL, counted, answers a redirect
to a signed URL that nginx checks itself; the range GETs go there, as a media element's do).
nginx is the system's binary (Debian: `apt-get install nginx-light`), run as our child on its
own configuration, ports and folders in the workspace; without it those rows say so and are not
measured.
"""

from __future__ import annotations

import grp
import http.client
import os
import pwd
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import requests

from bench.corpus import write_big_flac
from bench.report import Row, verdict
from bench.server import ProcessWatch, Server, ingest_batch, start_server
from bench.workspace import Workspace, free_port, python, venv_script

CHUNK = 1024 * 1024
FILE_SIZE = 30 * 1024 * 1024
GOAL = 1.5
ROUNDS = 4
KEY = "stream/Tide Pool – 30 MB.flac"  # a space and a non-ASCII dash, quoted in URLs
TARGET = "Range streaming, local storage"
PROXY_TARGET = "Range streaming, local storage, behind nginx (X-Accel-Redirect)"
SIGNED_TARGET = "Range streaming, local storage, behind nginx (signed redirect)"
SENDFILE_PREFIX = "/internal-media/"
SIGNED_SECRET = "bench-" + "0123456789abcdef" * 3
DEPLOYMENT = Path(__file__).resolve().parents[1] / "docs" / "deployment.md"

# The site's part is what docs/deployment.md ships ("Local media behind nginx"); the bench adds
# a second server for the same files statically, and its own process settings and folders.
NGINX_CONF = """\
worker_processes 1;
{user}
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}

http {{
    access_log off;
    client_body_temp_path {folder}/client-body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    default_type application/octet-stream;

    upstream music {{
        server {daphne};
        keepalive 16;
    }}

    limit_conn_zone $binary_remote_addr zone=per_address:10m;

    server {{
        listen {site};
        client_max_body_size 33m;  # as docs/deployment.md
        sendfile on;
        tcp_nopush on;
        limit_conn_status 429;

        location / {{
            limit_conn per_address 32;
            proxy_pass http://music;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}

        location /ws/ {{
            proxy_pass http://music;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 1h;
        }}

        # MEDIA_SENDFILE=x-accel-redirect: daphne answers a stream with the file's path under
        # MEDIA_SENDFILE_PREFIX; nginx sends the file, answering Range and If-Range itself.
        # nginx keeps only a few of daphne's headers (Content-Type, Cache-Control, ...) when
        # it follows the redirect: the security headers are passed on here.
        location {prefix} {{
            internal;
            alias {media_root}/;
            add_header Vary $upstream_http_vary;
            add_header X-Content-Type-Options $upstream_http_x_content_type_options;
            add_header X-Frame-Options $upstream_http_x_frame_options;
            add_header Referrer-Policy $upstream_http_referrer_policy;
            add_header Cross-Origin-Opener-Policy $upstream_http_cross_origin_opener_policy;
            add_header Content-Security-Policy $upstream_http_content_security_policy;
            add_header Strict-Transport-Security $upstream_http_strict_transport_security;
        }}
    }}

    server {{
        listen {static};
        root {media_root};
        sendfile on;
        tcp_nopush on;
    }}

    upstream signed {{
        server {signed_daphne};
        keepalive 16;
    }}

    # The same site for a daphne with MEDIA_SENDFILE=signed-redirect, with the location
    # docs/deployment.md ships for it (read from there).
    server {{
        listen {signed_site};
        sendfile on;
        tcp_nopush on;

        location / {{
            proxy_pass http://signed;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
        }}

{signed_location}
    }}
}}
"""


# daphne's own floor: the least an ASGI app can do to answer the same ranges (os.pread of the
# file, no Django), so the notes can say how much of our time is daphne's and how much ours.
FLOOR_APP = """\
import os
import re

FILE = open({path!r}, "rb")
SIZE = os.fstat(FILE.fileno()).st_size


async def app(scope, receive, send):
    headers = dict(scope["headers"])
    start, end = map(int, re.match(rb"bytes=(\\d+)-(\\d+)", headers[b"range"]).groups())
    body = os.pread(FILE.fileno(), end - start + 1, start)
    await send({{"type": "http.response.start", "status": 206, "headers": [
        (b"content-length", str(len(body)).encode()),
        (b"content-range", f"bytes {{start}}-{{end}}/{{SIZE}}".encode()),
    ]}})
    await send({{"type": "http.response.body", "body": body}})
"""


@dataclass
class Contender:
    name: str
    url: str
    seconds: float = 0.0
    # The URL answers a redirect, followed once per batch of ranges (a play), counted.
    redirects: bool = False


def _ranges(size: int, count: int) -> list[tuple[int, int]]:
    step = 7 * CHUNK + 12345  # scattered like seeks, never aligned to our read size
    span = size - CHUNK
    return [((index * step) % span, (index * step) % span + CHUNK - 1) for index in range(count)]


def _connect(url: str) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=30), parts.path


def _fetch_all(url: str, ranges: list[tuple[int, int]], redirects: bool = False) -> float:
    """GET each range over one keep-alive connection (reopened when a server closes it).

    http.client reads each answer whole in one call: a client that costs ~1 ms per MiB, where
    requests costs ~3, so the servers' own time is what differs between contenders. With
    `redirects`, first GET the URL and take the ranges from where it redirects (same host).
    """
    connection, path = _connect(url)
    started = time.perf_counter()
    if redirects:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        if response.status != 302:
            raise RuntimeError(f"{url} answered {response.status}, not a redirect")
        path = response.getheader("Location")
    for start, end in ranges:
        connection.request("GET", path, headers={"Range": f"bytes={start}-{end}"})
        response = connection.getresponse()
        body = response.read()
        if response.status != 206 or len(body) != end - start + 1:
            raise RuntimeError(
                f"{url} answered {response.status} with {len(body)} bytes for bytes={start}-{end}"
            )
    seconds = time.perf_counter() - started
    connection.close()
    return seconds


def _whole_file(url: str, pid: int | None) -> dict:
    """GET `Range: bytes=0-` as a player's first request does; time the first byte and the end.

    With `pid`, also watch that server's peak RSS while it answers.
    """
    watch = ProcessWatch(pid) if pid else None
    connection, path = _connect(url)
    started = time.perf_counter()
    connection.request("GET", path, headers={"Range": "bytes=0-"})
    response = connection.getresponse()
    received = len(response.read(1))
    first_byte = time.perf_counter() - started
    while chunk := response.read(CHUNK):
        received += len(chunk)
    result = {
        "first_byte_seconds": first_byte,
        "seconds": time.perf_counter() - started,
        "bytes": received,
    }
    connection.close()
    if watch is not None:
        result["server"] = watch.stop()
    return result


def nginx_binary() -> str | None:
    """Return the nginx to run (on PATH, or Debian's /usr/sbin, which users' PATH may lack)."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


def _ingested(server: Server, path: Path) -> int:
    run = ingest_batch(server, "local", [(KEY, path.stat().st_size, "")], timeout=60)
    song_id = server.song_id(KEY)
    if song_id is None:
        raise RuntimeError(f"{server.name}: the streaming file was not ingested: {run.failures}")
    return song_id


def shipped_signed_location(media_root: Path, secret: str) -> str:
    """Return docs/deployment.md's nginx location for signed media, for this folder and secret."""
    blocks = re.findall(r"```nginx\n(.*?)```", DEPLOYMENT.read_text(), re.S)
    block = next(block for block in blocks if "location /signed-media/" in block)
    return block.replace("/srv/music/media/", f"{media_root}/").replace(
        "MEDIA_SIGNED_URL_SECRET", secret
    )


def _start_nginx(
    workspace: Workspace, nginx: str, daphne: Server, signed: Server
) -> tuple[str, str, str]:
    """Start nginx in front of `daphne` and `signed` and beside them statically; return the
    three base URLs."""
    folder = workspace.folder("nginx")
    site, static, signed_site = free_port(), free_port(), free_port()
    # Workers of a master started by root switch to this user, who must read the workspace.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};"
    conf = folder / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(
            user=user if os.geteuid() == 0 else "",
            folder=folder,
            daphne=daphne.url.removeprefix("http://"),
            site=f"127.0.0.1:{site}",
            static=f"127.0.0.1:{static}",
            prefix=SENDFILE_PREFIX,
            media_root=daphne.media_root,
            signed_daphne=signed.url.removeprefix("http://"),
            signed_site=f"127.0.0.1:{signed_site}",
            signed_location=shipped_signed_location(signed.media_root, SIGNED_SECRET),
        )
    )
    argv = [nginx, "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")]
    child = workspace.start("nginx", [*argv, "-g", "daemon off;"], dict(os.environ))
    site_url, static_url = f"http://127.0.0.1:{site}", f"http://127.0.0.1:{static}"
    workspace.wait_for_http("nginx", child, f"{static_url}/{quote(KEY)}")
    return site_url, static_url, f"http://127.0.0.1:{signed_site}"


def _start_floor(workspace: Workspace, path: Path) -> tuple:
    """Start daphne on FLOOR_APP for the file at `path`; return the child and its URL."""
    folder = workspace.folder("floor")
    (folder / "bench_floor.py").write_text(FLOOR_APP.format(path=str(path)))
    port = free_port()
    daphne = venv_script("daphne")
    argv = [daphne] if daphne else [python(), "-m", "daphne"]
    argv += ["-b", "127.0.0.1", "-p", str(port), "bench_floor:app"]
    child = workspace.start("daphne-floor", argv, dict(os.environ), cwd=folder)
    url = f"http://127.0.0.1:{port}/{quote(KEY)}"
    workspace.wait_for_http("daphne-floor", child, url)
    return child, url


def _check_same_bytes(session: requests.Session, path: Path, urls: list[str]) -> None:
    expected = path.read_bytes()[CHUNK : 2 * CHUNK]
    for url in urls:
        answer = session.get(url, headers={"Range": f"bytes={CHUNK}-{2 * CHUNK - 1}"}, timeout=30)
        if answer.status_code != 206 or answer.content != expected:
            raise RuntimeError(f"{url} did not answer the file's bytes ({answer.status_code})")


def _check_hand_off(session: requests.Session, daphne_url: str, proxy_url: str) -> None:
    """Make sure daphne hands the file to nginx rather than sending it, that nginx's answer
    keeps the site's headers, and that its internal location is not open to clients."""
    answer = session.get(daphne_url, headers={"Range": "bytes=0-9"}, timeout=30)
    if answer.headers.get("X-Accel-Redirect") != SENDFILE_PREFIX + quote(KEY) or answer.content:
        raise RuntimeError(f"{daphne_url} did not hand the file over: {answer.status_code}")
    site = proxy_url.split("/api/", 1)[0]
    private = session.get(site + SENDFILE_PREFIX + quote(KEY), timeout=30)
    if private.status_code != 404:
        raise RuntimeError(f"nginx answered {private.status_code} for its internal location")
    proxied = session.get(proxy_url, headers={"Range": "bytes=0-9"}, timeout=30)
    for header in ("Content-Type", "Cache-Control", "X-Content-Type-Options", "X-Frame-Options"):
        if proxied.headers.get(header) != answer.headers.get(header):
            raise RuntimeError(f"nginx's answer lost daphne's {header}: {proxied.headers}")


def _check_signed(session: requests.Session, stream_url: str) -> None:
    """Make sure the stream answers a redirect that keeps the secret, that nginx sends its
    URL's bytes, and refuses the same signature on another path."""
    answer = session.get(stream_url, allow_redirects=False, timeout=30)
    location = answer.headers.get("Location", "")
    if answer.status_code != 302 or not location.startswith("/signed-media/"):
        raise RuntimeError(f"{stream_url} did not redirect to a signed URL: {answer.status_code}")
    if SIGNED_SECRET in location:
        raise RuntimeError(f"the signed URL holds the secret: {location}")
    site = stream_url.split("/api/", 1)[0]
    forged = session.get(site + location.replace("/stream/", "/other/", 1), timeout=30)
    moved = session.get(
        site + "/signed-media/elsewhere.flac?" + location.partition("?")[2], timeout=30
    )
    if forged.status_code != 403 or moved.status_code != 403:
        raise RuntimeError(f"nginx took a signature for another path: {moved.status_code}")


def _time_rounds(contenders: list[Contender], ranges) -> None:
    """Fetch every range from each contender, alternating in rounds; add up each one's time."""
    for contender in contenders:  # warm each up alike
        _fetch_all(contender.url, ranges[:5], contender.redirects)
    per_round = max(1, len(ranges) // ROUNDS)
    for start in range(0, len(ranges), per_round):
        batch = ranges[start : start + per_round]
        for contender in contenders:
            contender.seconds += _fetch_all(contender.url, batch, contender.redirects)


def _whole(result: dict) -> str:
    return (
        f"first byte after {result['first_byte_seconds'] * 1000:.0f} ms, "
        f"all in {result['seconds'] * 1000:.0f} ms"
    )


def _row(
    target: str, ours: Contender, peer: Contender, peer_name: str, count: int, notes: list[str]
) -> Row:
    megabytes = count * CHUNK / 1024**2
    ratio = ours.seconds / peer.seconds
    return Row(
        target=target,
        ours=f"{megabytes / ours.seconds:.0f} MiB/s",
        peer=f"{peer_name}: {megabytes / peer.seconds:.0f} MiB/s",
        ratio=f"{ratio:.2f}x the server's time",
        goal=f"within {GOAL}x",
        verdict=verdict(ratio <= GOAL),
        notes=notes,
        data={
            "requests": count,
            "chunk": CHUNK,
            "ours_seconds": ours.seconds,
            "static_seconds": peer.seconds,
            "ratio": ratio,
        },
    )


def _unmeasured(target: str, why: str) -> Row:
    return Row(target, "-", "-", "-", f"within {GOAL}x", verdict(None), notes=[why])


def range_streaming(workspace: Workspace, server: Server | None, count: int) -> list[Row]:
    try:
        import RangeHTTPServer  # noqa: F401
    except ImportError:
        why = "rangehttpserver is not installed (pip install -r requirements-bench.txt)"
        return [_unmeasured(TARGET, why)]
    if server is None:
        server = start_server(workspace, "daphne-stream", workspace.folder("media-stream"))
    path, _ = write_big_flac(server.media_root / KEY, FILE_SIZE)
    size = path.stat().st_size
    ours = Contender("ours", f"{server.url}/api/v1/songs/{_ingested(server, path)}/stream/")

    port = free_port()
    env = {**os.environ, "NO_PROXY": "*", "no_proxy": "*"}
    argv = [python(), "-m", "RangeHTTPServer", "-b", "127.0.0.1", str(port)]
    static_child = workspace.start("static-server", argv, env, cwd=server.media_root)
    static = Contender("RangeHTTPServer", f"http://127.0.0.1:{port}/{quote(KEY)}")
    workspace.wait_for_http("static-server", static_child, static.url)
    floor_child, floor_url = _start_floor(workspace, path)
    floor = Contender("daphne floor", floor_url)
    contenders = [static, floor, ours]

    nginx = nginx_binary()
    behind = nginx_static = signed = None
    if nginx:
        sendfile = start_server(
            workspace,
            "daphne-sendfile",
            server.media_root,
            MEDIA_SENDFILE="x-accel-redirect",
            MEDIA_SENDFILE_PREFIX=SENDFILE_PREFIX,
        )
        song_path = f"/api/v1/songs/{_ingested(sendfile, path)}/stream/"
        signing = start_server(
            workspace,
            "daphne-signed",
            server.media_root,
            MEDIA_SENDFILE="signed-redirect",
            MEDIA_SIGNED_URL_SECRET=SIGNED_SECRET,
        )
        signed_path = f"/api/v1/songs/{_ingested(signing, path)}/stream/"
        site_url, static_url, signed_url = _start_nginx(workspace, nginx, sendfile, signing)
        behind = Contender("nginx + daphne", site_url + song_path)
        nginx_static = Contender("nginx static", f"{static_url}/{quote(KEY)}")
        signed = Contender("nginx + signed redirect", signed_url + signed_path, redirects=True)
        contenders += [nginx_static, behind, signed]

    session = requests.Session()
    session.trust_env = False
    _check_same_bytes(session, path, [contender.url for contender in contenders])
    if behind is not None:
        _check_hand_off(session, sendfile.url + song_path, behind.url)
        _check_signed(session, signed.url)
    session.close()
    _time_rounds(contenders, _ranges(size, count))
    ours_whole = _whole_file(ours.url, server.pid)
    static_whole = _whole_file(static.url, static_child.pid)
    behind_whole = _whole_file(behind.url, None) if behind else None
    nginx_whole = _whole_file(nginx_static.url, None) if behind else None
    workspace.stop(static_child)
    workspace.stop(floor_child)

    mib = f"{size / 1024**2:.0f} MiB"
    rows = [
        _row(
            TARGET,
            ours,
            static,
            "http.server+Range",
            count,
            [
                f"{count} GETs of 1 MiB ranges of a {mib} FLAC, one keep-alive client "
                f"(http.client): ours {ours.seconds:.2f} s via GET /api/v1/songs/<id>/stream/ "
                f"on daphne alone, RangeHTTPServer {static.seconds:.2f} s (HTTP/1.0, a "
                f"connection per request)",
                f"daphne's own floor, a bare ASGI app answering the same ranges with os.pread "
                f"on the same daphne: {floor.seconds:.2f} s "
                f"({floor.seconds / static.seconds:.2f}x RangeHTTPServer's time; ours "
                f"{ours.seconds / floor.seconds:.2f}x the floor's)",
                f"one `Range: bytes=0-` GET of the whole {mib} file: {_whole(ours_whole)} from "
                f"ours, {_whole(static_whole)} from RangeHTTPServer; "
                f"meanwhile daphne's RSS went from {ours_whole['server']['start_rss_mb']:.0f} MB "
                f"to a peak of {ours_whole['server']['peak_rss_mb']:.0f} MB, RangeHTTPServer's "
                f"from {static_whole['server']['start_rss_mb']:.0f} to "
                f"{static_whole['server']['peak_rss_mb']:.0f} MB",
            ],
        )
    ]
    if behind is None:
        why = "nginx is not installed (Debian: apt-get install nginx-light): not measured"
        rows.append(_unmeasured(PROXY_TARGET, why))
        rows.append(_unmeasured(SIGNED_TARGET, why))
        return rows
    notes = [
        f"the same {count} GETs in the same rounds through nginx (1 worker, sendfile, "
        f"keep-alive to daphne) in front of a daphne with MEDIA_SENDFILE=x-accel-redirect: "
        f"{behind.seconds:.2f} s; the same nginx serving the file statically "
        f"{nginx_static.seconds:.2f} s; {behind.seconds / static.seconds:.2f}x RangeHTTPServer's "
        f"time",
        f"the whole file: {_whole(behind_whole)} through nginx + daphne, "
        f"{_whole(nginx_whole)} from nginx static",
    ]
    rows.append(_row(PROXY_TARGET, behind, nginx_static, "nginx static", count, notes))
    per_round = max(1, count // ROUNDS)
    plays = -(-count // per_round)
    notes = [
        f"the same {count} GETs in the same rounds through nginx in front of a daphne with "
        f"MEDIA_SENDFILE=signed-redirect: each round (a play of {per_round} ranges) first GETs "
        f"the stream URL ({plays} redirects, counted), then the ranges from the signed URL it "
        f"redirected to, which nginx checks (secure_link) and sends: {signed.seconds:.2f} s; "
        f"nginx static {nginx_static.seconds:.2f} s",
    ]
    rows.append(_row(SIGNED_TARGET, signed, nginx_static, "nginx static", count, notes))
    return rows
