"""Test-only entry point: serve the app as `python -m bnlib.ui.serve` does, but with a
training queue whose jobs stop at a step the test chooses (tests/support/gates.FileGate).

    BNLAB_TEST_GATE_DIR=/some/folder python -m tests.support.gated_serve [streamlit options]

Nothing in the app reads BNLAB_TEST_GATE_DIR; only this module does, so a visitor of a
real server can never hold or release a job. The queue's capacity comes from
BNLAB_LAB_SLOTS as usual.
"""

from __future__ import annotations

import os

from bnlib.lab.jobs import TrainingQueue, use_server_queue
from bnlib.ui import serve
from tests.support.gates import GATE_ENV, FileGate

if __name__ == "__main__":
    use_server_queue(TrainingQueue(gate=FileGate(os.environ[GATE_ENV])))
    serve.main()
