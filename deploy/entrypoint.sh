#!/bin/sh
# THE start command of Batch Norm Lab in production: the Docker image's ENTRYPOINT, and
# what CI runs outside a container. Settings come from .streamlit/config.toml (read from
# the app directory) plus STREAMLIT_* environment variables.
#
#   BNLAB_PORT       port to listen on (default 8501)
#   BNLAB_ADDRESS    address to bind (default 0.0.0.0; 127.0.0.1 behind a local proxy)
#   BNLAB_PYTHON     interpreter (default: python on PATH)
#   BNLAB_REPLICA=1  this process is one of several behind a proxy: refuse to start
#                    without STREAMLIT_SERVER_COOKIE_SECRET, which must match on all
#   OMP_NUM_THREADS, MKL_NUM_THREADS, OPENBLAS_NUM_THREADS
#                    CPU threads per process for torch and numpy's BLAS (default 2,
#                    sized for small machines; torch takes its count from OMP)
#
# bnlib.ui.serve is `streamlit run app.py` that also routes deep links right on a fresh
# server (see its docstring). Extra arguments are passed to `streamlit run`, e.g. --server.baseUrlPath=bnlab.
set -eu

APP_DIR=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
cd "$APP_DIR"

# Small machines: a handful of torch/BLAS threads per process, not one per core.
: "${OMP_NUM_THREADS:=2}" "${MKL_NUM_THREADS:=2}" "${OPENBLAS_NUM_THREADS:=2}"
export OMP_NUM_THREADS MKL_NUM_THREADS OPENBLAS_NUM_THREADS

# An empty secret is worse than none (Streamlit would sign cookies with ""): drop it so
# Streamlit generates a random one, unless this process is a replica, which needs one.
if [ -z "${STREAMLIT_SERVER_COOKIE_SECRET:-}" ]; then
    unset STREAMLIT_SERVER_COOKIE_SECRET
    if [ "${BNLAB_REPLICA:-0}" = "1" ]; then
        echo "entrypoint: BNLAB_REPLICA=1 needs STREAMLIT_SERVER_COOKIE_SECRET," \
            "the same on every replica" >&2
        exit 64
    fi
fi

exec "${BNLAB_PYTHON:-python}" -m bnlib.ui.serve \
    --server.port="${BNLAB_PORT:-8501}" \
    --server.address="${BNLAB_ADDRESS:-0.0.0.0}" \
    "$@"
