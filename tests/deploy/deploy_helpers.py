"""Helpers for the self-hosting tests and the load benchmark: app processes started
with the production entry point, nginx with the repository's proxy config rendered for
loopback ports. A uniquely named module (not conftest) so that imports stay unambiguous.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"
NGINX_SITE = ROOT / "deploy" / "nginx" / "batch-norm-lab.conf"
if str(ROOT) not in sys.path:  # the tests import bnlib from the checkout
    sys.path.insert(0, str(ROOT))

START_TIMEOUT = 90.0  # seconds; two cores shared by several people can be slow


def require(tool: str, found: bool, env_var: str, why: str) -> None:
    """Skip when a tool is missing, or fail when env_var=1 says it must be there."""
    if found:
        return
    msg = f"{tool} not available: {why}"
    if os.environ.get(env_var) == "1":
        pytest.fail(f"{msg} ({env_var}=1 requires it)")
    pytest.skip(f"{msg} (set {env_var}=1 to make this a failure)")


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)),
        None,
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url: str, headers: dict[str, str] | None = None, timeout: float = 10.0):
    """(status, body bytes, headers) for a GET, also for 4xx/5xx answers."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read(), resp.headers
    except urllib.error.HTTPError as err:
        return err.code, err.read(), err.headers


def wait_healthy(base_url: str, proc: subprocess.Popen | None, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            status, body, _ = http_get(f"{base_url}/_stcore/health", timeout=2.0)
            if status == 200 and body.strip() == b"ok":
                return
        except OSError:
            pass
        time.sleep(0.25)
    raise TimeoutError(
        f"no 'ok' from {base_url}/_stcore/health in {timeout:.0f}s:\n{log.read_text()}"
    )


def stop(proc: subprocess.Popen, timeout: float = 15.0) -> None:
    """Stop a process this test started (its own process group), politely first."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=timeout)
    except ProcessLookupError:
        pass


@dataclass
class AppServer:
    port: int
    proc: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def start_app(tmp: Path, port: int | None = None, env: dict[str, str] | None = None) -> AppServer:
    """Start the app exactly as the image does (deploy/entrypoint.sh), on loopback."""
    port = port or free_port()
    log = tmp / f"app-{port}.log"
    full_env = {
        **os.environ,
        "BNLAB_PORT": str(port),
        "BNLAB_ADDRESS": "127.0.0.1",
        "BNLAB_PYTHON": sys.executable,
        **(env or {}),
    }
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [str(ENTRYPOINT)],
            cwd=tmp,  # the entrypoint must find the app by itself
            env=full_env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return AppServer(port, proc, log)


# ---- nginx ---------------------------------------------------------------------------


def render_site(upstreams: list[str], listen: str, source: Path = NGINX_SITE) -> str:
    """The repository's site config with its marked upstream and listen blocks replaced."""
    text = source.read_text()

    def replace(block: str, lines: list[str], text: str) -> str:
        pattern = re.compile(
            rf"(?P<indent>[ \t]*)# BEGIN bnlab {block}\n.*?# END bnlab {block}\n", re.S
        )
        m = pattern.search(text)
        if m is None:
            raise ValueError(f"{source} lacks the '# BEGIN/END bnlab {block}' markers")
        indent = m.group("indent")
        body = "".join(f"{indent}{line}\n" for line in lines)
        return text[: m.start()] + body + text[m.end() :]

    text = replace(
        "upstream servers",
        [f"server {u} max_fails=2 fail_timeout=10s;" for u in upstreams],
        text,
    )
    return replace("listen", [f"listen {listen};"], text)


def render_main_conf(prefix: Path, site: Path) -> str:
    """A whole nginx.conf that keeps every file under prefix and runs as this user."""
    user = pwd.getpwuid(os.geteuid()).pw_name
    user_line = f"user {user};\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {name}_temp_path {prefix / (name + '_temp')};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user_line}worker_processes 1;
daemon off;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} info;
events {{ worker_connections 512; }}
http {{
    log_format bnlab '$remote_addr "$request" $status up=$upstream_addr '
                     'route=$cookie_bnlab_route';
    access_log {prefix / "access.log"} bnlab;
{temp}
    include {site};
}}
"""


@dataclass
class Nginx:
    binary: str
    prefix: Path
    port: int
    proc: subprocess.Popen | None = None
    conf: Path = field(init=False)

    def __post_init__(self) -> None:
        self.conf = self.prefix / "nginx.conf"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cmd(self, *extra: str) -> list[str]:
        return [
            self.binary,
            "-p",
            str(self.prefix),
            "-c",
            str(self.conf),
            "-e",
            str(self.prefix / "error.log"),
            *extra,
        ]

    def access_log(self) -> str:
        path = self.prefix / "access.log"
        return path.read_text() if path.exists() else ""


def write_nginx(binary: str, prefix: Path, upstream_ports: list[int]) -> Nginx:
    prefix.mkdir(parents=True, exist_ok=True)
    port = free_port()
    site = prefix / "batch-norm-lab.conf"
    site.write_text(render_site([f"127.0.0.1:{p}" for p in upstream_ports], f"127.0.0.1:{port}"))
    nginx = Nginx(binary, prefix, port)
    nginx.conf.write_text(render_main_conf(prefix, site))
    return nginx


# ---- browser -------------------------------------------------------------------------

SLIDER = "[data-testid='stSlider']"
# The thumb: a native range input inside react-aria's slider (role=slider implicitly).
SLIDER_INPUT = "input[type='range'], [role='slider']"
IDLE_APP = "[data-testid='stApp'][data-test-script-state='notRunning']"

# Arms a MutationObserver on the main area that ignores one slider (whose thumb label
# changes in the browser before any round trip) and records when anything else changed.
ARM_JS = """(idx) => {
  const slider = document.querySelectorAll("[data-testid='stSlider']")[idx];
  const root = document.querySelector("[data-testid='stMain']") || document.body;
  // Counting starts at the real key press (not when the driver asked for it); changes
  // before it are left-overs from earlier runs and are ignored.
  const state = {t0: null, first: null, last: null};
  document.addEventListener("keydown", () => { state.t0 = performance.now(); },
                            {capture: true, once: true});
  if (window.__bnObserver) window.__bnObserver.disconnect();
  const obs = new MutationObserver((records) => {
    if (state.t0 === null) return;
    for (const r of records) {
      const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
      if (slider && el && slider.contains(el)) continue;
      const now = performance.now();
      if (state.first === null) state.first = now;
      state.last = now;
    }
  });
  obs.observe(root, {subtree: true, childList: true, characterData: true, attributes: true});
  window.__bnObserver = obs;
  window.__bnState = state;
  return true;
}"""

# True once something outside the slider changed, the app is not running, and the page
# has been quiet for `quiet` ms: the rerun's result is on screen.
SETTLED_JS = """(quiet) => {
  const s = window.__bnState;
  if (!s || s.last === null) return false;
  const app = document.querySelector("[data-testid='stApp']");
  const running = app && app.getAttribute('data-test-script-state') === 'running';
  return !running && performance.now() - s.last > quiet;
}"""
