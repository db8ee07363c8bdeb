"""The image's exact start command (deploy/entrypoint.sh + .streamlit/config.toml), run
outside a container: it must come up and pass the same health check Docker uses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from deploy_helpers import ROOT, free_port, http_get, start_app

HEALTHCHECK = ROOT / "deploy" / "healthcheck.py"


def run_healthcheck(port: int | str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(HEALTHCHECK), *args],
        env={**os.environ, "BNLAB_PORT": str(port)},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_entrypoint_serves_and_passes_the_health_check(app_factory):
    server = app_factory()
    status, body, _ = http_get(f"{server.url}/_stcore/health")
    assert (status, body.strip()) == (200, b"ok")
    res = run_healthcheck(server.port)
    assert res.returncode == 0, res.stdout + res.stderr
    # The page shell is served, and the process is the one the entrypoint exec'd
    # (no wrapper shell left), with the small-machine thread defaults.
    status, body, _ = http_get(f"{server.url}/")
    assert status == 200 and b"<html" in body.lower()
    proc_dir = Path(f"/proc/{server.proc.pid}")
    environ = dict(
        item.split("=", 1) for item in (proc_dir / "environ").read_text().split("\0") if "=" in item
    )
    if "OMP_NUM_THREADS" not in os.environ:
        assert environ["OMP_NUM_THREADS"] == "2"
    cmdline = (proc_dir / "cmdline").read_text().split("\0")
    assert cmdline[1:3] == ["-m", "bnlib.ui.serve"], cmdline
    log = server.log.read_text()
    assert "Traceback" not in log and "Error" not in log, log


def test_healthcheck_fails_when_nothing_listens():
    res = run_healthcheck(free_port())
    assert res.returncode == 1
    assert "unhealthy" in res.stdout


@pytest.mark.parametrize(
    ("env_port", "args", "named"),
    [
        ("8501", ["abc"], "PORT"),
        ("8501", ["0"], "PORT"),
        ("8501", ["65536"], "PORT"),
        ("8501", ["-1"], "PORT"),
        ("8501", [""], "PORT"),
        ("8501", ["1", "2"], "at most one argument"),
        ("abc", [], "BNLAB_PORT"),
        ("", [], "BNLAB_PORT"),
    ],
)
def test_healthcheck_bad_port_gets_a_message_not_a_traceback(env_port, args, named):
    res = run_healthcheck(env_port, *args)
    # 1 = unhealthy (Docker reserves 2); one short message that names the bad input.
    assert res.returncode == 1, res.stdout + res.stderr
    assert "Traceback" not in res.stderr, res.stderr
    assert named in res.stderr and "usage: healthcheck.py [PORT]" in res.stderr, res.stderr
    assert len(res.stderr.splitlines()) == 2, res.stderr


def test_replica_refuses_to_start_without_a_shared_cookie_secret(tmp_path):
    server = start_app(tmp_path, env={"BNLAB_REPLICA": "1", "STREAMLIT_SERVER_COOKIE_SECRET": ""})
    assert server.proc.wait(timeout=30) == 64
    assert "STREAMLIT_SERVER_COOKIE_SECRET" in server.log.read_text()
