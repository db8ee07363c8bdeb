"""The real Docker image, built and run without a Docker daemon.

Marked `image`: plain `pytest` deselects it (pyproject's addopts); `pytest -m image` or
`make test-image` runs it, and `make test` does so when CI is set. It needs root,
Debian's `buildah` and `mmdebstrap` (`.ci/run` installs them); without them it skips
with a reason, or fails where BNLAB_REQUIRE_IMAGE=1 (CI) says they must be there.

What it does, in order:

1. Stand-in base image. The official `python:3.11.x-slim-bookworm` cannot be pulled
   here, so mmdebstrap makes a bookworm minbase root filesystem with python3, venv, pip,
   ca-certificates and `python` on PATH. The tarball is cached between runs in
   $BNLAB_IMAGE_CACHE (default ~/.cache/bnlab-image), named by a hash of its inputs.
   `FROM scratch` + `ADD rootfs.tar /` makes it an image; if this machine's pip trusts a
   CA bundle of its own (pip's `cert` setting: a TLS-inspecting proxy), that bundle is
   added to the stand-in and named in PIP_CERT, as a site's own base image would do.
2. The repository's Dockerfile, unchanged, built with buildah (vfs storage, chroot
   isolation, host network) with BASE_IMAGE = the stand-in and TORCH_FIND_LINKS = the
   torch CPU wheel folder from pip's configuration, mounted read-only with --volume.
3. The image's configuration and contents: uid 10001, code not writable by it,
   HEALTHCHECK, port 8501, entrypoint, CPU torch; its size is reported.
4. Its entrypoint runs in it (`buildah run`, host network, a free port) until
   /_stcore/health says ok; Chromium loads the home page and a lesson and sees a chart;
   the image's own HEALTHCHECK command passes, and fails again once it is stopped.
5. The GPU variant (docker-compose.yml's `app-gpu` build argument) is built only as far
   as the torch install, which needs the multi-GB CUDA wheel: pip is pointed at a local
   proxy that refuses every connection, so nothing is downloaded, and the test checks
   that pip asked the CUDA index for torch.

Everything lives in a private buildah storage directory, removed at the end (containers,
images, layers); leftovers of an interrupted run are removed by the next one. Timings
and the image size are printed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from deploy_helpers import ROOT, free_port, http_get, require, stop

pytestmark = [pytest.mark.image, pytest.mark.timeout(2700)]

SUITE = "bookworm"
BASE_PACKAGES = ["python3", "python3-venv", "python3-pip", "ca-certificates", "python-is-python3"]
CACHE = Path(
    os.environ.get("BNLAB_IMAGE_CACHE")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "bnlab-image"
)
STORAGE_PARENT = Path(os.environ.get("BNLAB_IMAGE_TMP", "/var/tmp"))
STORAGE_PREFIX = "bnlab-buildah-"
TAG = "localhost/batch-norm-lab:image-test"
BASE_TAG = "localhost/bnlab-standin-base:image-test"
GPU_TAG = "localhost/batch-norm-lab:image-test-gpu"
LESSON = "covariate-shift"  # lesson 1: its explorer chart is on the first screen
WHEELS_IN_BUILD = "/bnlab-wheels"
BUILD_TIMEOUT = 2400  # a loaded 2-core machine; a quiet one builds in a few minutes
START_TIMEOUT = 180


_capture: list = []  # pytest's capture manager, once the first fixture has run


def say(msg: str) -> None:
    """Progress and measurements, shown as they happen even though pytest captures output."""
    if _capture:
        with _capture[0].global_and_fixture_disabled():
            print(f"\n[image] {msg}", flush=True)
    else:
        print(f"[image] {msg}")


# ---- the machine: tools, torch wheel, CA bundle -------------------------------------


def pip_settings() -> dict[str, str]:
    """pip's effective `find-links` and `cert` on this machine (config files and env)."""
    out: dict[str, str] = {}
    res = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True
    )
    for line in res.stdout.splitlines():
        m = re.fullmatch(r"[^.]*\.([\w-]+)='(.*)'", line.strip())
        if m:
            out[m.group(1)] = m.group(2)
    for key, env in (("find-links", "PIP_FIND_LINKS"), ("cert", "PIP_CERT")):
        if os.environ.get(env):
            out[key] = os.environ[env]
    return out


def torch_pin() -> str:
    text = (ROOT / "requirements.txt").read_text()
    m = re.search(r"^torch==([\w.]+)", text, re.M)
    assert m, "requirements.txt pins no torch"
    return m.group(1)


def local_torch_wheel(settings: dict[str, str]) -> Path | None:
    """The pinned torch's CPU wheel for this Python (3.11) in pip's find-links folders."""
    version = torch_pin()
    for folder in settings.get("find-links", "").split():
        folder = folder.removeprefix("file://")
        if os.path.isdir(folder):
            for wheel in sorted(Path(folder).glob(f"torch-{version}+cpu-cp311-*.whl")):
                return wheel
    return None


# ---- buildah with a private storage directory ---------------------------------------


def mounts_under(path: Path) -> list[str]:
    prefix = str(path.resolve()).rstrip("/") + "/"
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = line.split()[4].replace("\\040", " ")
        if point.startswith(prefix) or point == prefix[:-1]:
            found.append(point)
    return found


def remove_storage(path: Path) -> None:
    """Delete a storage directory, never following a mount out of it (a run's /dev, /proc
    bind mounts must not be deleted through)."""
    if not path.exists():
        return
    for point in sorted(mounts_under(path), key=len, reverse=True):
        subprocess.run(["umount", "-l", point], capture_output=True)
    left = mounts_under(path)
    assert not left, f"not removing {path}: still mounted {left}"
    subprocess.run(["rm", "-rf", "--one-file-system", str(path)], check=True)


def remove_stale_storage() -> None:
    """Storage left by an interrupted run (its owner process is gone) is deleted."""
    if not STORAGE_PARENT.is_dir():
        return
    for old in STORAGE_PARENT.glob(STORAGE_PREFIX + "*"):
        try:
            owner = int((old / "owner.pid").read_text())
        except (OSError, ValueError):
            owner = 0
        if owner and Path(f"/proc/{owner}").exists():
            continue
        say(f"removing storage left by an interrupted run: {old}")
        remove_storage(old)


@dataclass
class Buildah:
    root: Path
    log_dir: Path
    children: list[subprocess.Popen] = field(default_factory=list)

    def base_cmd(self) -> list[str]:
        return [
            "buildah",
            "--root",
            str(self.root / "storage"),
            "--runroot",
            str(self.root / "run"),
            "--storage-driver",
            "vfs",
        ]

    def __call__(
        self, *args: str, timeout: float = 600, check: bool = True, env: dict | None = None
    ) -> subprocess.CompletedProcess:
        res = subprocess.run(
            [*self.base_cmd(), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, **(env or {})},
        )
        if check and res.returncode != 0:
            raise AssertionError(
                f"buildah {' '.join(args)} exited {res.returncode}:\n"
                f"{res.stdout[-4000:]}\n{res.stderr[-4000:]}"
            )
        return res

    def bud(self, name: str, *args: str, env: dict | None = None) -> tuple[int, str]:
        """`buildah bud`; (exit code, whole log), the log also kept in log_dir."""
        log = self.log_dir / f"build-{name}.log"
        with open(log, "w") as fh:
            proc = subprocess.run(
                [*self.base_cmd(), "bud", "--isolation", "chroot", "--format", "docker", *args],
                stdout=fh,
                stderr=subprocess.STDOUT,
                timeout=BUILD_TIMEOUT,
                env={**os.environ, **(env or {})},
            )
        return proc.returncode, log.read_text()

    def run_bg(self, container: str, *cmd: str, env: dict[str, str], log: Path) -> subprocess.Popen:
        envs = [f"--env={k}={v}" for k, v in env.items()]
        with open(log, "wb") as fh:
            proc = subprocess.Popen(
                [
                    *self.base_cmd(),
                    "run",
                    "--isolation",
                    "chroot",
                    "--network",
                    "host",
                    *envs,
                    container,
                    "--",
                    *cmd,
                ],
                stdout=fh,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.children.append(proc)
        return proc

    def run(self, container: str, *cmd: str, env: dict[str, str] | None = None, user: str = ""):
        args = ["run", "--isolation", "chroot", "--network", "host"]
        args += [f"--env={k}={v}" for k, v in (env or {}).items()]
        if user:
            args += ["--user", user]
        return self(*args, container, "--", *cmd, check=False, timeout=120)


# ---- the stand-in base image ---------------------------------------------------------


def base_tarball() -> Path:
    """bookworm minbase + python3 etc., made once per set of inputs and then reused."""
    key_src = json.dumps(
        {"suite": SUITE, "variant": "minbase", "include": BASE_PACKAGES, "arch": os.uname().machine}
    )
    key = hashlib.sha256(key_src.encode()).hexdigest()[:16]
    CACHE.mkdir(parents=True, exist_ok=True)
    tar = CACHE / f"{SUITE}-minbase-{key}.tar"
    if tar.exists():
        say(f"stand-in base: cached {tar}")
        return tar
    for old in CACHE.glob(f"{SUITE}-minbase-*"):  # other inputs, or an interrupted run
        if old.is_dir():
            remove_storage(old)
        else:
            old.unlink()
    part = tar.with_name(tar.name + ".part")
    t0 = time.monotonic()
    res = subprocess.run(
        [
            "mmdebstrap",
            "--variant=minbase",
            "--format=tar",
            "--include=" + ",".join(BASE_PACKAGES),
            SUITE,
            str(part),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert res.returncode == 0, f"mmdebstrap failed:\n{res.stderr[-4000:]}"
    part.rename(tar)
    say(f"stand-in base: mmdebstrap made {tar} in {time.monotonic() - t0:.0f} s")
    return tar


def build_base(bh: Buildah, tar: Path, cert: str | None, work: Path) -> None:
    ctx = work / "base-context"
    ctx.mkdir()
    try:
        os.link(tar, ctx / "rootfs.tar")
    except OSError:
        shutil.copy(tar, ctx / "rootfs.tar")
    lines = ["FROM scratch", "ADD rootfs.tar /"]
    if cert:
        shutil.copy(cert, ctx / "site-ca.pem")
        lines += [
            "COPY site-ca.pem /etc/ssl/certs/bnlab-site-ca.pem",
            "ENV PIP_CERT=/etc/ssl/certs/bnlab-site-ca.pem",
        ]
    lines.append('CMD ["python"]')
    (ctx / "Containerfile").write_text("\n".join(lines) + "\n")
    rc, log = bh.bud("base", "-t", BASE_TAG, str(ctx))
    assert rc == 0, log[-4000:]
    (ctx / "rootfs.tar").unlink()


# ---- fixtures ------------------------------------------------------------------------


@dataclass
class Built:
    bh: Buildah
    config: dict
    size: str
    build_s: float
    work: Path
    wheel: Path | None
    container: str = ""
    measurements: dict = field(default_factory=dict)


def size_in_mb(human: str) -> float:
    m = re.fullmatch(r"([\d.]+)\s*([kMG]?B)", human.strip())
    assert m, human
    return float(m.group(1)) * {"B": 1e-6, "kB": 1e-3, "MB": 1, "GB": 1e3}[m.group(2)]


@pytest.fixture(scope="module")
def built(pytestconfig) -> Iterator[Built]:
    _capture[:] = [pytestconfig.pluginmanager.getplugin("capturemanager")]
    require(
        "root",
        os.geteuid() == 0,
        "BNLAB_REQUIRE_IMAGE",
        "buildah's vfs/chroot mode here runs as root",
    )
    for tool in ("buildah", "mmdebstrap"):
        require(
            tool, shutil.which(tool) is not None, "BNLAB_REQUIRE_IMAGE", f"apt-get install {tool}"
        )
    settings = pip_settings()
    wheel = local_torch_wheel(settings)
    cert = settings.get("cert")
    if cert and not os.path.isfile(cert):
        cert = None

    remove_stale_storage()
    STORAGE_PARENT.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix=STORAGE_PREFIX, dir=STORAGE_PARENT))
    (root / "owner.pid").write_text(str(os.getpid()))
    work = root / "work"
    work.mkdir()
    bh = Buildah(root, work)
    try:
        t0 = time.monotonic()
        build_base(bh, base_tarball(), cert, work)
        say(f"stand-in base image ready in {time.monotonic() - t0:.0f} s")

        args = ["--network", "host", "--pull=never", "--build-arg", f"BASE_IMAGE={BASE_TAG}"]
        if wheel is not None:
            args += [
                "--volume",
                f"{wheel.parent}:{WHEELS_IN_BUILD}:ro",
                "--build-arg",
                f"TORCH_FIND_LINKS={WHEELS_IN_BUILD}",
            ]
            say(f"torch from the local wheel {wheel.name}")
        else:
            say("no local torch CPU wheel in pip's find-links: the image uses TORCH_INDEX")
        t0 = time.monotonic()
        rc, log = bh.bud("app", *args, "-t", TAG, str(ROOT))
        build_s = time.monotonic() - t0
        assert rc == 0, f"the Dockerfile did not build (exit {rc}):\n{log[-6000:]}"
        say(f"image built in {build_s:.0f} s")

        inspect = json.loads(bh("inspect", "--type", "image", TAG).stdout)
        sizes = json.loads(bh("images", "--json", TAG).stdout)
        b = Built(bh, inspect["Docker"]["config"], sizes[0]["size"], build_s, work, wheel)
        b.measurements.update(size=b.size, build_s=round(build_s))
        yield b
        say("summary: " + ", ".join(f"{k} {v}" for k, v in b.measurements.items()))
    finally:
        for child in bh.children:
            stop(child, timeout=20)
        t0 = time.monotonic()
        bh("rm", "--all", check=False)
        bh("rmi", "--all", "--force", check=False)
        remove_storage(root)
        say(f"removed containers, images and storage in {time.monotonic() - t0:.0f} s")


@pytest.fixture(scope="module")
def container(built: Built) -> str:
    """One working container from the image, shared by the run-time checks."""
    t0 = time.monotonic()
    name = built.bh("from", "--pull-never", "--name", "bnlab-image-test", TAG).stdout.strip()
    say(f"working container created in {time.monotonic() - t0:.0f} s (vfs copies the image)")
    built.container = name
    return name


# ---- 3. configuration and contents ---------------------------------------------------


def test_image_config_user_port_healthcheck_entrypoint(built: Built):
    cfg = built.config
    assert cfg["User"] == "bnlab"
    assert "8501/tcp" in cfg["ExposedPorts"]
    assert cfg["Entrypoint"] == ["/app/deploy/entrypoint.sh"]
    assert not cfg.get("Cmd"), "CMD would add arguments to the entrypoint"
    check = cfg.get("Healthcheck") or {}
    assert check.get("Test") == ["CMD", "python", "/app/deploy/healthcheck.py"], check
    assert check["Interval"] > 0 and check["Retries"] >= 1
    env = dict(e.split("=", 1) for e in cfg["Env"])
    assert env["PATH"].startswith("/opt/venv/bin:")
    assert env["OMP_NUM_THREADS"] == "2"
    mb = size_in_mb(built.size)
    say(f"image size {built.size} ({mb:.0f} MB), build {built.build_s:.0f} s")
    # The CPU image is base + venv; the CUDA wheel alone would push it past 4 GB.
    assert mb < 2500, f"image is {built.size}: is this CPU torch?"


def test_image_runs_as_uid_10001_and_cannot_change_its_code(built: Built, container: str):
    res = built.bh.run(container, "id", "-u")
    assert res.stdout.strip() == "10001", res.stdout + res.stderr
    probe = (
        "import os, pathlib\n"
        "writable = [str(p) for p in [pathlib.Path('/app'), *pathlib.Path('/app').rglob('*')]"
        " if os.access(p, os.W_OK)]\n"
        "writable += [p for p in ('/opt/venv', '/opt/venv/bin/python') if os.access(p, os.W_OK)]\n"
        "print('WRITABLE', writable)\n"
        "try:\n"
        "    open('/app/app.py', 'a').close()\n"
        "    print('APPENDED')\n"
        "except PermissionError:\n"
        "    print('REFUSED')\n"
    )
    res = built.bh.run(container, "python", "-c", probe)
    assert res.returncode == 0, res.stderr
    assert "WRITABLE []" in res.stdout, res.stdout
    assert "REFUSED" in res.stdout, res.stdout
    # The app's files are there (as root's), and home is the user's own.
    res = built.bh.run(container, "sh", "-c", "stat -c '%u %n' /app/app.py /app/bnlib /home/bnlab")
    owners = dict(reversed(line.split(" ", 1)) for line in res.stdout.splitlines())
    assert owners == {"/app/app.py": "0", "/app/bnlib": "0", "/home/bnlab": "10001"}, res.stdout


def test_image_torch_is_the_pinned_cpu_build(built: Built, container: str):
    code = (
        "import importlib.metadata as md, torch, streamlit\n"
        "cuda = [d.metadata['Name'] for d in md.distributions()"
        " if d.metadata['Name'].lower().startswith(('nvidia', 'triton'))]\n"
        "print(torch.__version__, torch.version.cuda, torch.cuda.is_available(), cuda)\n"
    )
    res = built.bh.run(container, "python", "-c", code)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == [f"{torch_pin()}+cpu", "None", "False", "[]"], res.stdout


# ---- 4. running it -------------------------------------------------------------------


def wait_health(port: int, proc: subprocess.Popen, log: Path, timeout: float) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise AssertionError(
                f"the entrypoint exited with {proc.returncode}:\n{log.read_text()}"
            )
        try:
            status, body, _ = http_get(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
            if status == 200 and body.strip() == b"ok":
                return time.monotonic() - t0
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"no 'ok' on port {port} in {timeout:.0f} s:\n{log.read_text()}")


def test_image_entrypoint_serves_pages_and_passes_its_health_check(built, container, browser):
    bh = built.bh
    port = free_port()
    log = built.work / "entrypoint.log"
    proc = bh.run_bg(container, *built.config["Entrypoint"], env={"BNLAB_PORT": str(port)}, log=log)
    try:
        healthy_s = wait_health(port, proc, log, START_TIMEOUT)
        say(f"start to healthy: {healthy_s:.1f} s (buildah run + app start)")
        built.measurements["start_to_healthy_s"] = round(healthy_s, 1)

        # The image's own HEALTHCHECK command, run in the image as Docker would.
        check = built.config["Healthcheck"]["Test"][1:]
        res = bh.run(container, *check, env={"BNLAB_PORT": str(port)})
        assert (res.returncode, res.stdout.strip()) == (0, "ok"), res.stdout + res.stderr

        # It runs as the image's user.
        pids = subprocess.run(
            ["pgrep", "-f", f"server.port={port}"], capture_output=True, text=True
        )
        uids = {
            Path(f"/proc/{pid}/status").read_text().split("Uid:")[1].split()[0]
            for pid in pids.stdout.split()
        }
        assert uids == {"10001"}, uids

        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            page = context.new_page()
            page.set_default_timeout(90_000)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            for path in ("", LESSON):
                page.goto(f"http://127.0.0.1:{port}/{path}")
                page.locator(".js-plotly-plot").first.wait_for()
                page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
                assert page.locator("[data-testid='stException']").count() == 0, path
                assert page.get_by_text("Page not found").count() == 0, path
            assert "covariate" in page.url
            assert not errors, errors
        finally:
            context.close()
    finally:
        stop(proc, timeout=20)
    assert "Traceback" not in log.read_text(), log.read_text()
    # Stopped: the same check now fails, so it did test this server.
    res = bh.run(container, *built.config["Healthcheck"]["Test"][1:], env={"BNLAB_PORT": str(port)})
    assert res.returncode == 1 and "unhealthy" in res.stdout, res.stdout + res.stderr


# ---- 5. the GPU variant, up to the CUDA wheel -----------------------------------------


class RefusingProxy(socketserver.ThreadingTCPServer):
    """An HTTP proxy that records each request line and refuses it: nothing gets through."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        self.requests: list[str] = []

        class Handler(socketserver.StreamRequestHandler):
            def handle(handler) -> None:  # noqa: N805
                line = handler.rfile.readline(4096).decode("latin-1").strip()
                self.requests.append(line)
                handler.wfile.write(
                    b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )

        super().__init__(("127.0.0.1", 0), Handler)


def compose_gpu_index() -> str:
    text = (ROOT / "docker-compose.yml").read_text()
    m = re.search(r"TORCH_INDEX:\s*(https://download\.pytorch\.org/whl/cu\d+)", text)
    assert m, "docker-compose.yml has no CUDA TORCH_INDEX"
    return m.group(1)


def test_gpu_variant_build_reaches_pip_with_the_cuda_index(built: Built):
    """The CUDA image cannot be built here (its torch wheel is several GB and not on this
    machine), so only its build stage runs, up to the torch install, with every HTTPS
    connection refused by a local proxy: the check is that pip asks the CUDA index."""
    index = compose_gpu_index()
    proxy = RefusingProxy()
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{proxy.server_address[1]}"
    try:
        rc, log = built.bh.bud(
            "gpu",
            "--network",
            "host",
            "--pull=never",
            "--target",
            "build",
            "--build-arg",
            f"BASE_IMAGE={BASE_TAG}",
            "--build-arg",
            f"TORCH_INDEX={index}",
            "-t",
            GPU_TAG,
            str(ROOT),
            env={"https_proxy": url, "HTTPS_PROXY": url, "http_proxy": url, "HTTP_PROXY": url},
        )
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert rc != 0, "the CUDA build cannot succeed here: did pip reach a torch wheel?"
    path = index.split("download.pytorch.org", 1)[1]
    assert f"Looking in indexes: {index}" in log, log[-3000:]
    assert f"{path}/torch/" in log, log[-3000:]
    assert "No matching distribution found for torch==" in log, log[-3000:]
    assert proxy.requests, "pip never tried to connect"
    assert all(r.startswith("CONNECT download.pytorch.org:443 ") for r in proxy.requests), (
        proxy.requests
    )
    say(f"GPU variant: pip asked {index} for torch ({len(proxy.requests)} refused connections)")
