# syntax=docker/dockerfile:1
# Batch Norm Lab in one image: CPU torch by default, non-root, health-checked.
#
#   docker build -t batch-norm-lab .
#   docker run --rm -p 8501:8501 batch-norm-lab           # http://localhost:8501
#
# CUDA build (needs the NVIDIA container toolkit on the host, and `--gpus all` to run):
#   docker build -t batch-norm-lab:cuda \
#       --build-arg TORCH_INDEX=https://download.pytorch.org/whl/cu128 .
#
# Versions come from requirements.txt (pinned); torch's version is the one pinned there,
# fetched from TORCH_INDEX so that the default image carries the small CPU-only wheel.
# See docs/self-hosting.md.
#
# Build arguments for builders without access to Docker Hub or PyPI's torch index (the
# image test, tests/deploy/test_image.py, uses both):
#   BASE_IMAGE        a Debian bookworm image with python3.11, venv, pip and `python` on
#                     PATH, used for both stages (default: the official slim image)
#   TORCH_FIND_LINKS  a folder inside the build (e.g. mounted with --volume) that holds
#                     the pinned torch wheel; torch is then installed from it alone and
#                     TORCH_INDEX is not used (torch's own dependencies come from PyPI)
ARG BASE_IMAGE=python:3.11.14-slim-bookworm

# ---- build: a virtualenv with the pinned requirements -------------------------------
FROM ${BASE_IMAGE} AS build

ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
ARG TORCH_FIND_LINKS=
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH

RUN python -m venv /opt/venv
WORKDIR /src
COPY requirements.txt ./
# torch first, from TORCH_INDEX (CPU wheel by default) or from the wheel folder
# TORCH_FIND_LINKS; then everything else from PyPI, where the already installed torch
# satisfies its pin. Fails the build if torch is not the pinned version.
RUN torch_pin="$(grep -E '^torch==' requirements.txt)" \
 && test -n "$torch_pin" \
 && if [ -n "$TORCH_FIND_LINKS" ]; then \
        pip install --no-index --no-deps --find-links "$TORCH_FIND_LINKS" "$torch_pin"; \
    else \
        pip install --index-url "$TORCH_INDEX" "$torch_pin"; \
    fi \
 && pip install -r requirements.txt \
 && pip check \
 && python -c "import torch, streamlit; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'streamlit', streamlit.__version__)"

# ---- runtime -------------------------------------------------------------------------
FROM ${BASE_IMAGE}

ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
LABEL org.opencontainers.image.title="Batch Norm Lab" \
      org.opencontainers.image.description="An interactive course on batch normalization" \
      org.bnlab.torch-index="${TORCH_INDEX}"

# Threads: a few per process so that several sessions and one training share a small
# machine; raise them on a big one (docker run -e OMP_NUM_THREADS=8 ...).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    OMP_NUM_THREADS=2 \
    MKL_NUM_THREADS=2 \
    OPENBLAS_NUM_THREADS=2 \
    BNLAB_PORT=8501 \
    BNLAB_ADDRESS=0.0.0.0 \
    BNLAB_PYTHON=/opt/venv/bin/python

RUN groupadd --system --gid 10001 bnlab \
 && useradd --system --uid 10001 --gid bnlab --create-home --home-dir /home/bnlab \
        --shell /usr/sbin/nologin bnlab

COPY --from=build /opt/venv /opt/venv

# Only what the app runs; owned by root, so the app user cannot change its own code.
WORKDIR /app
COPY app.py ./
COPY .streamlit/config.toml ./.streamlit/config.toml
COPY bnlib ./bnlib
COPY pages ./pages
COPY assets ./assets
COPY deploy/entrypoint.sh deploy/healthcheck.py ./deploy/

USER bnlab
EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "/app/deploy/healthcheck.py"]

ENTRYPOINT ["/app/deploy/entrypoint.sh"]
