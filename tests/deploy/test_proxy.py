"""Scale-out for real: two app processes (started with the production entry point) behind
nginx running the repository's proxy config on loopback ports.

HTTP checks need nginx; the browser check also needs Chromium. CI sets
BNLAB_REQUIRE_NGINX=1 and BNLAB_REQUIRE_BROWSER=1 so a missing tool fails instead of
skipping.
"""

from __future__ import annotations

import http.server
import json
import re
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from deploy_helpers import (
    ARM_JS,
    IDLE_APP,
    SETTLED_JS,
    SLIDER_INPUT,
    START_TIMEOUT,
    AppServer,
    Nginx,
    http_get,
    nginx_binary,
    require,
    start_app,
    stop,
    wait_healthy,
    write_nginx,
)

from tests.support.gates import WAIT_S

COOKIE_SECRET = "test-only-" + uuid.uuid4().hex  # shared by both replicas, like in prod


@dataclass
class Cluster:
    apps: list[AppServer]
    nginx: Nginx

    @property
    def url(self) -> str:
        return self.nginx.url

    def upstream_ports(self) -> set[int]:
        return {a.port for a in self.apps}

    def log_lines(self, marker: str) -> list[str]:
        return [line for line in self.nginx.access_log().splitlines() if marker in line]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    binary = nginx_binary()
    require("nginx", binary is not None, "BNLAB_REQUIRE_NGINX", "apt-get install nginx")
    assert binary is not None
    tmp = tmp_path_factory.mktemp("cluster")
    env = {"BNLAB_REPLICA": "1", "STREAMLIT_SERVER_COOKIE_SECRET": COOKIE_SECRET}
    apps = [start_app(tmp, env=env) for _ in range(2)]
    nginx_proc = None
    try:
        for app in apps:
            wait_healthy(app.url, app.proc, app.log, START_TIMEOUT)
        nginx = write_nginx(binary, tmp / "nginx", [a.port for a in apps])
        nginx_proc = subprocess.Popen(
            nginx.cmd(), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True
        )
        nginx.proc = nginx_proc
        wait_healthy(nginx.url, nginx_proc, nginx.prefix / "error.log", 30)
        yield Cluster(apps, nginx)
    finally:
        if nginx_proc is not None:
            stop(nginx_proc)
        for app in apps:
            stop(app.proc)


def upstream_of(line: str) -> int:
    m = re.search(r"up=127\.0\.0\.1:(\d+)", line)
    assert m, line
    return int(m.group(1))


def test_health_and_first_visit_cookie_through_the_proxy(cluster):
    status, body, headers = http_get(f"{cluster.url}/_stcore/health")
    assert (status, body.strip()) == (200, b"ok")
    status, body, headers = http_get(f"{cluster.url}/")
    assert status == 200 and b"<html" in body.lower()
    cookies = headers.get_all("Set-Cookie") or []
    assert any(c.startswith("bnlab_route=") and "HttpOnly" in c for c in cookies), cookies
    assert headers.get("Server", "") in {"nginx", ""}, "no version in the Server header"
    # A returning visitor is not handed a new cookie.
    _, _, again = http_get(f"{cluster.url}/", headers={"Cookie": "bnlab_route=abc"})
    assert not any("bnlab_route" in c for c in again.get_all("Set-Cookie") or [])


@pytest.mark.parametrize(
    "path",
    [
        "/_stcore/metrics",
        "/_stcore/metrics?format=proto",
        "/_stcore/metrics/",
        "/_stcore//metrics",
        "/_stcore/%6detrics",
        "/_stcore/./metrics",
    ],
)
def test_metrics_are_blocked_at_the_proxy(cluster, path):
    status, body, _ = http_get(cluster.url + path)
    assert status in {403, 404}, (path, status, body[:200])
    assert b"session" not in body.lower()


def test_metrics_would_be_public_without_the_proxy(cluster):
    # Why the block matters: the app itself answers, so the proxy is what protects it.
    status, _, _ = http_get(f"{cluster.apps[0].url}/_stcore/metrics")
    assert status == 200


FRAME_HEADERS = {
    "X-Frame-Options": "SAMEORIGIN",
    "Content-Security-Policy": "frame-ancestors 'self'",
}


@pytest.mark.parametrize("path", ["/", "/covariate-shift", "/_stcore/health", "/_stcore/metrics"])
def test_other_sites_may_not_frame_the_app(cluster, path):
    status, _, headers = http_get(cluster.url + path)
    assert status in {200, 403}, (path, status)
    for name, value in FRAME_HEADERS.items():
        assert headers.get(name) == value, (path, name, headers.get(name))


@pytest.fixture
def own_nginx(cluster, tmp_path) -> Iterator[Nginx]:
    """A second nginx with the same config in front of the same apps: its rate-limit
    counters are its own, so flooding it leaves the shared proxy's untouched."""
    binary = nginx_binary()
    assert binary is not None
    nginx = write_nginx(binary, tmp_path / "nginx", [a.port for a in cluster.apps])
    nginx.proc = subprocess.Popen(
        nginx.cmd(), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        wait_healthy(nginx.url, nginx.proc, nginx.prefix / "error.log", 30)
        yield nginx
    finally:
        stop(nginx.proc)


def flood(url: str, n: int, method: str = "GET", workers: int = 40) -> Counter:
    """Send n requests from this one address as fast as `workers` threads can."""

    def one(_: int) -> int:
        req = urllib.request.Request(url, method=method, data=b"x" if method == "POST" else None)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status, headers = resp.status, resp.headers
        except urllib.error.HTTPError as err:
            status, headers = err.code, err.headers
        if status == 429:  # the refusal carries the frame headers too
            assert headers.get("X-Frame-Options") == "SAMEORIGIN"
        return status

    with ThreadPoolExecutor(workers) as pool:
        return Counter(pool.map(one, range(n)))


def test_one_address_sending_too_many_requests_gets_429(own_nginx):
    # The zone allows a burst of 240 and 20 more a second: 600 requests sent within a
    # few seconds overrun it, while the first 240 all get through.
    _, page, _ = http_get(f"{own_nginx.url}/")
    static = re.search(rb'src="\.?(/static/[^"]+\.js)"', page)
    assert static, page[:500]
    counts = flood(f"{own_nginx.url}/_stcore/health", 600)
    assert counts[429] > 0, counts
    assert counts[200] >= 240, counts
    assert set(counts) <= {200, 429}, counts
    # Static files have their own, looser zone: the flood did not use it up.
    status, _, _ = http_get(own_nginx.url + static.group(1).decode())
    assert status == 200, static.group(1)


def test_uploads_have_a_tighter_limit(own_nginx):
    # burst 20 at 2 a second, queued rather than refused up to the burst: of 80
    # simultaneous uploads about 60 are refused at once.
    counts = flood(f"{own_nginx.url}/_stcore/upload_file/s/f", 80, method="POST")
    assert counts[429] >= 40, counts
    # The rest reached the app, which refuses them itself (no XSRF token, no session).
    assert all(code in {400, 403, 404, 405, 429} for code in counts), counts


def test_sticky_by_cookie_not_by_address(cluster):
    run = uuid.uuid4().hex[:8]
    # One visitor: every request lands on the same replica.
    for i in range(10):
        http_get(f"{cluster.url}/_stcore/health?p={run}-a{i}", headers={"Cookie": "bnlab_route=v1"})
    same = {upstream_of(line) for line in cluster.log_lines(f"p={run}-a")}
    assert len(same) == 1 and same <= cluster.upstream_ports()
    # Many visitors from one address (a classroom behind NAT) still use both replicas.
    for i in range(24):
        http_get(
            f"{cluster.url}/_stcore/health?p={run}-b{i}", headers={"Cookie": f"bnlab_route=u{i}"}
        )
    spread = {upstream_of(line) for line in cluster.log_lines(f"p={run}-b")}
    assert spread == cluster.upstream_ports()
    # A first visit is routed by the id it is then given as its cookie.
    _, _, headers = http_get(f"{cluster.url}/?p={run}-c0")
    cookie = next(c for c in headers.get_all("Set-Cookie") if c.startswith("bnlab_route="))
    value = cookie.split(";")[0].split("=", 1)[1]
    for i in range(1, 6):
        http_get(
            f"{cluster.url}/_stcore/health?p={run}-c{i}", headers={"Cookie": f"bnlab_route={value}"}
        )
    first_visit = {upstream_of(line) for line in cluster.log_lines(f"p={run}-c")}
    assert len(first_visit) == 1


@pytest.mark.browser
def test_browser_session_through_the_proxy_moves_a_slider(cluster, browser):
    context = browser.new_context()
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        # The home page renders through the proxy: that takes a working WebSocket.
        page.goto(cluster.url + "/", wait_until="domcontentloaded")
        page.wait_for_selector(IDLE_APP, timeout=60_000)
        page.wait_for_selector("[data-testid='stMain'] h1", timeout=WAIT_S * 1000)
        assert page.locator("[data-testid='stException']").count() == 0

        # The home page's demo slider: one key press, and the readout follows.
        thumb = page.locator(".st-key-home_shift " + SLIDER_INPUT).first
        before = thumb.input_value()
        page.evaluate(ARM_JS, 0)
        thumb.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function(SETTLED_JS, arg=300, timeout=WAIT_S * 1000)
        page.get_by_text("Batch mean μ_B = 11.795").wait_for(timeout=WAIT_S * 1000)
        assert thumb.input_value() != before, "the slider did not move"
        assert page.locator("[data-testid='stException']").count() == 0
        assert not errors, errors
    finally:
        context.close()

    # The session's WebSocket was upgraded by nginx, and all of this browser's requests
    # went to one replica.
    # nginx logs a WebSocket when it closes, which follows the page's close by a moment
    deadline = time.monotonic() + WAIT_S  # a failure guard: the line comes or it does not
    while not (stream := cluster.log_lines("GET /_stcore/stream")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert any(" 101 " in line for line in stream), stream
    routes: dict[str, set[int]] = {}
    for line in cluster.nginx.access_log().splitlines():
        m = re.search(r"route=(\S+)", line)
        if m and m.group(1) != "-" and "up=127" in line:
            routes.setdefault(m.group(1), set()).add(upstream_of(line))
    browser_routes = {r: ups for r, ups in routes.items() if len(r) == 32}
    assert browser_routes, "the browser never sent its bnlab_route cookie"
    assert all(len(ups) == 1 for ups in browser_routes.values()), browser_routes


class _Echo(http.server.BaseHTTPRequestHandler):
    """An upstream that answers every request with the headers it received, as JSON (and
    the health path with "ok", as the app does, so wait_healthy can wait for it)."""

    def _answer(self) -> None:
        body = json.dumps({k.lower(): v for k, v in self.headers.items()}).encode()
        if self.path == "/_stcore/health":
            body = b"ok"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:  # quiet
        pass


@pytest.fixture
def echo_behind_nginx(tmp_path) -> Iterator[Nginx]:
    """The repository's nginx config in front of the echo upstream."""
    require("nginx", nginx_binary() is not None, "BNLAB_REQUIRE_NGINX", "nginx proxy tests")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    nginx = write_nginx(nginx_binary(), tmp_path / "nginx", [server.server_address[1]])
    nginx.proc = subprocess.Popen(
        nginx.cmd(), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        wait_healthy(nginx.url, nginx.proc, nginx.prefix / "error.log", 30)
        yield nginx
    finally:
        stop(nginx.proc)
        server.shutdown()


@pytest.mark.parametrize(
    "path", ["/", "/static/js/main.js", "/_stcore/upload_file/x", "/_stcore/stream"]
)
def test_every_location_forwards_the_visitors_host_and_address(echo_behind_nginx, path):
    """The app sees the address and host the visitor used, behind any location: a
    location with its own proxy_set_header once silently dropped the server's."""
    host = f"127.0.0.1:{echo_behind_nginx.port}"
    request = urllib.request.Request(echo_behind_nginx.url + path, headers={"Host": host})
    with urllib.request.urlopen(request, timeout=10) as resp:
        seen = json.loads(resp.read())
    assert seen.get("host") == host, seen
    assert seen.get("x-real-ip") == "127.0.0.1", seen
    assert seen.get("x-forwarded-for") == "127.0.0.1", seen
    assert seen.get("x-forwarded-proto") == "http", seen
