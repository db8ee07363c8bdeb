"""Fixtures for the self-hosting tests (helpers live in deploy_helpers.py).

Tools that may be missing (nginx, chromium) skip their tests with a reason, except in CI,
where BNLAB_REQUIRE_NGINX=1 / BNLAB_REQUIRE_BROWSER=1 turn the skip into a failure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from deploy_helpers import (
    START_TIMEOUT,
    AppServer,
    nginx_binary,
    require,
    start_app,
    stop,
    wait_healthy,
)


@pytest.fixture
def app_factory(tmp_path: Path) -> Iterator[Callable[..., AppServer]]:
    """Start app processes with the production entry point; all are stopped afterwards."""
    started: list[AppServer] = []

    def factory(env: dict[str, str] | None = None, wait: bool = True) -> AppServer:
        server = start_app(tmp_path, env=env)
        started.append(server)
        if wait:
            wait_healthy(server.url, server.proc, server.log, START_TIMEOUT)
        return server

    yield factory
    for server in started:
        stop(server.proc)


@pytest.fixture
def nginx_bin() -> str:
    binary = nginx_binary()
    require("nginx", binary is not None, "BNLAB_REQUIRE_NGINX", "apt-get install nginx")
    assert binary is not None
    return binary
