"""Container health check: exit 0 when the app answers `ok` on /_stcore/health.

Standard library only, so the image needs no curl or wget. The port is read from
BNLAB_PORT, like deploy/entrypoint.sh (default 8501).

    python deploy/healthcheck.py            # checks 127.0.0.1:$BNLAB_PORT
    python deploy/healthcheck.py 8600       # checks another port

Exit status: 0 healthy, else 1 (Docker reserves 2), also for a bad port, which gets a
short message instead of a traceback.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def healthy(port: int, host: str = "127.0.0.1", timeout: float = 4.0) -> bool:
    url = f"http://{host}:{port}/_stcore/health"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status == 200 and resp.read().strip() == b"ok"
    except (urllib.error.URLError, OSError, ValueError):
        return False


USAGE = "usage: healthcheck.py [PORT]   (default: $BNLAB_PORT, else 8501)"


def parse_port(text: str, source: str) -> int:
    """A TCP port from text, or ValueError with a message that names where it came from."""
    value = text.strip()
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= 65535:
        raise ValueError(f"{source} must be a port number from 1 to 65535, got {text!r}")
    return int(value)


def main(argv: list[str]) -> int:
    try:
        if len(argv) > 2:
            raise ValueError(f"expected at most one argument, got {len(argv) - 1}")
        if len(argv) > 1:
            port = parse_port(argv[1], "PORT")
        else:
            port = parse_port(os.environ.get("BNLAB_PORT", "8501"), "BNLAB_PORT")
    except ValueError as err:
        print(f"healthcheck: {err}\n{USAGE}", file=sys.stderr)
        return 1
    ok = healthy(port)
    print("ok" if ok else f"unhealthy: no 'ok' from port {port}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
