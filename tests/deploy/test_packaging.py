"""Structural checks of the Docker image recipe, compose file, proxy config and
production settings. No Docker engine is needed (hadolint-style rules, our own)."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from deploy_helpers import NGINX_SITE, ROOT, render_main_conf, render_site

DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
COMPOSE = ROOT / "docker-compose.yml"
CONFIG = ROOT / ".streamlit" / "config.toml"
SECRET_WORDS = re.compile(r"pass(word)?|secret|token|api[_-]?key|credential", re.I)


# ---- Dockerfile ----------------------------------------------------------------------


def instructions(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):  # a comment inside a continued instruction
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        word, _, rest = full.partition(" ")
        out.append((word.upper(), rest.strip()))
    assert not pending, "Dockerfile ends inside a continued line"
    return out


def final_stage() -> list[tuple[str, str]]:
    ins = instructions()
    last_from = max(i for i, (w, _) in enumerate(ins) if w == "FROM")
    return ins[last_from:]


def arg_defaults() -> dict[str, str]:
    return {
        a.split("=", 1)[0]: a.split("=", 1)[1] for w, a in instructions() if w == "ARG" and "=" in a
    }


def test_base_images_are_pinned_slim_python_311():
    froms = [args.split()[0] for w, args in instructions() if w == "FROM"]
    assert froms, "no FROM"
    defaults = arg_defaults()
    for image in froms:
        # A build argument (BASE_IMAGE, for builders that cannot pull from Docker Hub)
        # whose default is the official image.
        m = re.fullmatch(r"\$\{?(\w+)\}?", image)
        if m:
            image = defaults.get(m.group(1), "")
        assert re.fullmatch(r"python:3\.11\.\d+-slim(-[a-z]+)?", image), (
            f"base image {image!r} must pin an exact Python 3.11.x slim tag"
        )


def test_runs_as_non_root_user():
    users = [args for w, args in final_stage() if w == "USER"]
    assert users, "the runtime stage never switches away from root"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}, f"USER {users[-1]} is root"
    # The user is created in the image before it is used.
    run_lines = " ".join(args for w, args in final_stage() if w == "RUN")
    assert user.isdigit() or re.search(rf"useradd\b[^&]*\b{re.escape(user)}\b", run_lines)


def test_exposes_8501_and_health_checks_without_curl():
    stage = final_stage()
    exposed = {p.split("/")[0] for w, a in stage if w == "EXPOSE" for p in a.split()}
    assert "8501" in exposed
    checks = [a for w, a in stage if w == "HEALTHCHECK"]
    assert len(checks) == 1, "exactly one HEALTHCHECK"
    check = checks[0]
    assert "CMD" in check and "NONE" not in check.split()
    assert not re.search(r"\b(curl|wget)\b", check), "the slim image has no curl/wget"
    assert "deploy/healthcheck.py" in check
    script = (ROOT / "deploy" / "healthcheck.py").read_text()
    assert "/_stcore/health" in script


def test_entrypoint_is_the_repo_start_script():
    entry = [a for w, a in final_stage() if w == "ENTRYPOINT"]
    assert entry, "no ENTRYPOINT"
    assert json.loads(entry[-1]) == ["/app/deploy/entrypoint.sh"]
    script = ROOT / "deploy" / "entrypoint.sh"
    assert os.access(script, os.X_OK), "deploy/entrypoint.sh must be executable"
    assert not [a for w, a in final_stage() if w == "CMD"], "CMD would add arguments"


def test_cpu_torch_by_default_and_cuda_by_build_arg():
    args = arg_defaults()
    assert args.get("TORCH_INDEX") == "https://download.pytorch.org/whl/cpu"
    assert args.get("TORCH_FIND_LINKS") == "", "a local wheel folder only on request"
    runs = " ".join(a for w, a in instructions() if w == "RUN")
    assert '--index-url "$TORCH_INDEX"' in runs, "torch must come from TORCH_INDEX"
    assert '--no-index --no-deps --find-links "$TORCH_FIND_LINKS"' in runs
    assert "-r requirements.txt" in runs


def test_thread_env_vars_for_small_machines():
    env = " ".join(a for w, a in final_stage() if w == "ENV")
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        assert re.search(rf"\b{var}=\d+", env), var


def test_no_secrets_baked_into_the_image():
    for word, args in instructions():
        if word in {"ENV", "ARG", "LABEL"}:
            for key in re.findall(r"([A-Za-z_][\w.-]*)=", args):
                assert not SECRET_WORDS.search(key), f"{word} {key}: secrets belong at run time"
    copies = " ".join(a for w, a in instructions() if w in {"COPY", "ADD"})
    assert "secrets.toml" not in copies
    assert not [a for w, a in instructions() if w == "ADD"], "use COPY, not ADD"


def dockerignore_patterns() -> list[str]:
    return [
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]


def ignored(rel: str, patterns: list[str]) -> bool:
    parts = rel.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    hit = False
    for pat in patterns:
        neg = pat.startswith("!")
        pat = pat.lstrip("!").strip("/")
        if any(
            fnmatch.fnmatch(p, pat) or fnmatch.fnmatch(p, pat.replace("**/", "")) for p in prefixes
        ):
            hit = not neg
    return hit


def test_dockerignore_keeps_tests_caches_and_envs_out():
    pats = dockerignore_patterns()
    for rel in (
        ".git",
        ".venv",
        "tests/deploy/test_packaging.py",
        "bnlib/__pycache__/x.pyc",
        ".pytest_cache",
        ".ruff_cache",
        ".hypothesis",
        ".streamlit/secrets.toml",
        ".env",
    ):
        assert ignored(rel, pats), f"{rel} reaches the build context"


def test_every_copied_path_exists_and_is_in_the_build_context():
    pats = dockerignore_patterns()
    copied: list[str] = []
    for word, args in final_stage():
        if word == "COPY" and "--from" not in args:
            *sources, _dest = args.split()
            copied += sources
    for src in copied:
        assert (ROOT / src).exists(), f"COPY {src}: no such file"
        assert not ignored(src, pats), f"COPY {src}: excluded by .dockerignore"
    # What the app needs at run time: the entry script, code, pages, data, settings.
    for needed in ("app.py", "bnlib", "pages", "assets", ".streamlit/config.toml"):
        assert needed in copied, f"the image lacks {needed}"
    # Every registered page lives under a copied directory.
    from bnlib.course.registry import PAGES

    for page in PAGES:
        assert page.path.split("/")[0] in copied, page.path


def test_runtime_requirements_are_pinned():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.+!-]+", line), f"unpinned: {line}"


# ---- docker-compose.yml --------------------------------------------------------------


def load_compose() -> dict:
    """Parse with PyYAML from this interpreter, else from the system python3."""
    try:
        import yaml  # type: ignore[import-untyped]

        return yaml.safe_load(COMPOSE.read_text())
    except ImportError:
        pass
    for py in ("/usr/bin/python3", shutil.which("python3")):
        if py and Path(py).exists() and Path(py).resolve() != Path(sys.executable).resolve():
            code = "import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))"
            res = subprocess.run([py, "-c", code, str(COMPOSE)], capture_output=True, text=True)
            if res.returncode == 0:
                return json.loads(res.stdout)
    pytest.skip("PyYAML not available (pip install pyyaml or apt-get install python3-yaml)")


@pytest.fixture(scope="module")
def compose() -> dict:
    return load_compose()


def test_compose_app_service_restarts_and_health_checks(compose):
    app = compose["services"]["app"]
    assert "profiles" not in app, "the plain service must start without a profile"
    assert app["restart"] in {"always", "unless-stopped"}
    assert "deploy/healthcheck.py" in " ".join(app["healthcheck"]["test"])
    assert app["build"]["args"]["TORCH_INDEX"].endswith("/whl/cpu")
    # Visitors come in on 8501, through the proxy.
    proxy = compose["services"]["proxy"]
    assert "profiles" not in proxy
    assert "8501:80" in [str(p) for p in proxy["ports"]]


UPSTREAM_MOUNT = "/etc/nginx/bnlab-upstreams.conf"


def proxies_by_profile(compose: dict) -> dict[str, tuple[dict, list[str]]]:
    """profile ("" = default) -> (its nginx service, the app services its upstreams name)."""
    out = {}
    for svc in compose["services"].values():
        if not str(svc.get("image", "")).startswith("nginx:"):
            continue
        mounts = dict(v.split(":")[:2][::-1] for v in svc["volumes"])
        assert mounts.get("/etc/nginx/conf.d/default.conf") == "./deploy/nginx/batch-norm-lab.conf"
        upstreams = (ROOT / mounts[UPSTREAM_MOUNT]).read_text()
        servers = re.findall(r"^\s*server\s+([\w.-]+):8501\b", upstreams, re.M)
        (profile,) = svc.get("profiles", [""])
        assert profile not in out, f"two proxies for profile {profile!r}"
        out[profile] = (svc, servers)
    return out


def test_compose_no_app_port_is_public_only_the_proxy(compose):
    """Streamlit answers /_stcore/metrics (sessions, caches) to anyone who reaches its
    port; nginx blocks it. So no app container publishes its port: each profile's nginx
    is the only way in, and its upstreams are exactly that profile's app services."""
    services = compose["services"]
    apps = {n: s for n, s in services.items() if "build" in s}
    for name, svc in apps.items():
        assert not svc.get("ports"), f"{name} publishes {svc['ports']}: past the proxy"
        assert "8501" in [str(p) for p in svc.get("expose", [])], name
        assert svc["environment"].get("BNLAB_ADDRESS", "0.0.0.0") != "127.0.0.1", (
            f"{name}: the proxy reaches it over the compose network"
        )
    proxies = proxies_by_profile(compose)
    for profile in {s.get("profiles", [""])[0] for s in apps.values()}:
        assert profile in proxies, f"profile {profile!r} has apps but no proxy"
        _, servers = proxies[profile]
        same_profile = {n for n, s in apps.items() if s.get("profiles", [""])[0] == profile}
        assert sorted(servers) == sorted(same_profile), (profile, servers)
    published = sorted(str(p).split(":")[0] for svc, _ in proxies.values() for p in svc["ports"])
    assert published == ["8080", "8501", "8502"], published
    site = re.sub(r"#.*", "", NGINX_SITE.read_text())
    assert re.search(r"location \^~ /_stcore/metrics\s*\{\s*return 40[34];", site)
    assert f"include {UPSTREAM_MOUNT};" in site


# What one app process needs (docs/self-hosting.md, "Running it for a class"): about
# 0.5 GB and one core for itself (Streamlit, sessions, page reruns), plus per training
# slot one core (a training is one torch thread) and its memory budget of 1 GB.
PROCESS_GB, SLOT_GB = 0.5, 1.0


def default_of(value) -> str:
    """The value compose uses when no variable is set: ${VAR:-default} -> default."""
    m = re.fullmatch(r"\$\{\w+:-([^}]*)\}", str(value))
    return m.group(1) if m else str(value)


def gigabytes(value) -> float:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([kmg]?)b?", default_of(value).lower())
    assert m, value
    return float(m.group(1)) * {"": 1e-9, "k": 1e-6, "m": 1e-3, "g": 1.0}[m.group(2)]


def test_compose_resource_limits_fit_the_training_slots(compose):
    for name, svc in compose["services"].items():
        for key in ("mem_limit", "pids_limit", "cpus"):
            assert key in svc, f"{name} has no {key}"
        assert 32 <= int(svc["pids_limit"]) <= 4096, name
        if "build" not in svc:
            continue
        # The slot count is set, not left to the core count the process sees (which
        # is the host's, not the cpus limit), and the limits leave room for every slot.
        slots = int(default_of(svc["environment"]["BNLAB_LAB_SLOTS"]))
        cpus = float(default_of(svc["cpus"]))
        assert slots >= 1 and cpus >= slots + 1, f"{name}: {slots} slots on {cpus} cpus"
        need = PROCESS_GB + slots * SLOT_GB
        assert gigabytes(svc["mem_limit"]) >= need, f"{name}: mem_limit under {need} GB"
        assert int(svc["pids_limit"]) >= 256, f"{name}: threads for sessions and trainings"
    # The docs explain the same rule.
    doc = (ROOT / "docs" / "self-hosting.md").read_text()
    for word in ("mem_limit", "pids_limit", "cpus", "BNLAB_LAB_SLOTS", "BNLAB_MEM_LIMIT"):
        assert word in doc, word


def test_compose_gpu_profile_reserves_nvidia_gpus(compose):
    gpu = [s for s in compose["services"].values() if "gpu" in s.get("profiles", [])]
    assert gpu, "no service in the gpu profile"
    svc = gpu[0]
    devices = svc["deploy"]["resources"]["reservations"]["devices"]
    assert any(d["driver"] == "nvidia" and "gpu" in d["capabilities"] for d in devices)
    assert "/whl/cu" in svc["build"]["args"]["TORCH_INDEX"]


def test_compose_scale_profile_matches_the_proxy_config(compose):
    services = compose["services"]
    scale = {n: s for n, s in services.items() if "scale" in s.get("profiles", [])}
    replicas = {n: s for n, s in scale.items() if "build" in s}
    proxies = {n: s for n, s in scale.items() if str(s.get("image", "")).startswith("nginx:")}
    assert len(replicas) >= 2 and len(proxies) == 1
    for name, svc in replicas.items():
        env = svc["environment"]
        assert env["BNLAB_REPLICA"] == "1", name
        # The same cookie secret everywhere, supplied at run time, never in the file.
        assert env["STREAMLIT_SERVER_COOKIE_SECRET"].startswith("${"), name
    _, servers = proxies_by_profile(compose)["scale"]
    assert sorted(servers) == sorted(replicas), "nginx upstreams must name the replicas"


def test_compose_images_pinned_and_no_literal_secrets(compose):
    for name, svc in compose["services"].items():
        image = svc.get("image", "")
        if "build" not in svc:
            assert re.fullmatch(r"[\w./-]+:\d+\.\d+\.\d+[\w.-]*", image), f"{name}: pin {image}"
        env = svc.get("environment") or {}
        for key, value in env.items():
            if SECRET_WORDS.search(key):
                assert str(value).startswith("${"), f"{name}: {key} is a literal"
        for vol in svc.get("volumes", []):
            src = vol.split(":")[0]
            if src.startswith("./"):
                assert (ROOT / src).exists(), f"{name}: {src} missing"


# ---- nginx ---------------------------------------------------------------------------


def location_block(text: str, head: str) -> str:
    start = text.index(f"location {head}")
    depth, i = 0, text.index("{", start)
    for j in range(i, len(text)):
        depth += {"{": 1, "}": -1}.get(text[j], 0)
        if depth == 0:
            return text[i : j + 1]
    raise AssertionError(f"unbalanced location {head}")


def test_nginx_site_sticky_websockets_metrics_timeouts():
    text = re.sub(r"#.*", "", NGINX_SITE.read_text())
    upstream = text[text.index("upstream bnlab_app") :].split("}")[0]
    assert re.search(r"\bhash\s+\$\w*cookie\w*|\bhash\s+\$bnlab_route\b|\bip_hash\b", upstream)
    assert "$cookie_bnlab_route" in text, "the routing key must come from a cookie"
    stream = location_block(text, "/_stcore/stream")
    assert "proxy_set_header Upgrade $http_upgrade" in stream
    assert re.search(r"proxy_set_header Connection \$\w+", stream)
    assert re.search(r"proxy_read_timeout\s+\d+", stream)
    assert "proxy_http_version 1.1" in text
    metrics = location_block(text, "^~ /_stcore/metrics")
    assert re.search(r"return\s+40[34]", metrics)
    for directive in ("proxy_connect_timeout", "proxy_read_timeout", "client_max_body_size"):
        assert directive in text
    body_mb = int(re.search(r"client_max_body_size\s+(\d+)m", text).group(1))
    upload_mb = tomllib.loads(CONFIG.read_text())["server"]["maxUploadSize"]
    assert body_mb >= upload_mb


def test_nginx_site_refuses_framing_and_limits_requests():
    text = re.sub(r"#.*", "", NGINX_SITE.read_text())
    server = text[text.index("server {") :]
    # Sent on every answer (also 403/429), at server level so every location has them.
    assert re.search(r"add_header X-Frame-Options (SAMEORIGIN|DENY) always;", server)
    assert re.search(
        r"add_header Content-Security-Policy \"frame-ancestors [^\"]+\" always;", server
    )
    assert not re.search(r"location[^{]*\{[^}]*add_header", server), (
        "an add_header in a location drops the server's headers there"
    )
    zones = dict(
        re.findall(r"limit_req_zone \$binary_remote_addr zone=(\w+):\d+m rate=(\d+)r/s;", text)
    )
    assert {"bnlab_req", "bnlab_upload"} <= set(zones)
    assert re.search(r"limit_conn_zone \$binary_remote_addr zone=bnlab_addr:\d+m;", text)
    head = server.split("location")[0]
    assert re.search(r"limit_req zone=bnlab_req burst=\d+", head)
    assert re.search(r"limit_conn bnlab_addr \d+;", head)
    assert "limit_req_status 429;" in head and "limit_conn_status 429;" in head
    upload = location_block(text, "/_stcore/upload_file")
    assert "limit_req zone=bnlab_upload" in upload
    assert int(zones["bnlab_upload"]) < int(zones["bnlab_req"])


def test_nginx_accepts_the_rendered_config(nginx_bin, tmp_path):
    site = tmp_path / "site.conf"
    site.write_text(render_site(["127.0.0.1:18501", "127.0.0.1:18502"], "127.0.0.1:18080"))
    conf = tmp_path / "nginx.conf"
    conf.write_text(render_main_conf(tmp_path, site))
    res = subprocess.run(
        [nginx_bin, "-t", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "e.log")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert res.returncode == 0, res.stderr
    assert "test is successful" in res.stderr


# ---- .streamlit/config.toml ----------------------------------------------------------


def test_production_streamlit_config():
    cfg = tomllib.loads(CONFIG.read_text())
    assert cfg["server"]["headless"] is True
    assert cfg["server"]["enableXsrfProtection"] is True
    assert cfg["server"]["fileWatcherType"] == "none"
    assert cfg["server"]["maxUploadSize"] == 5
    assert cfg["browser"]["gatherUsageStats"] is False
    assert cfg["client"]["toolbarMode"] == "viewer"
    assert cfg["client"]["showErrorDetails"] == "none"
    assert "cookieSecret" not in cfg["server"], "the secret comes from the environment"
    assert cfg["theme"]["light"] and cfg["theme"]["dark"]


def test_every_config_key_is_a_streamlit_option():
    from streamlit import config

    known = set(config.get_config_options())

    def keys(table: dict, prefix: str = ""):
        for k, v in table.items():
            if isinstance(v, dict):
                yield from keys(v, f"{prefix}{k}.")
            else:
                yield f"{prefix}{k}"

    unknown = [k for k in keys(tomllib.loads(CONFIG.read_text())) if k not in known]
    assert not unknown, f"not streamlit {config.__name__} options: {unknown}"


# ---- the skip-or-fail policy for missing tools ------------------------------------------


def test_missing_tool_skips_locally_and_fails_when_required(monkeypatch):
    from deploy_helpers import require

    monkeypatch.delenv("BNLAB_REQUIRE_NGINX", raising=False)
    with pytest.raises(pytest.skip.Exception, match="BNLAB_REQUIRE_NGINX=1"):
        require("nginx", False, "BNLAB_REQUIRE_NGINX", "apt-get install nginx")
    monkeypatch.setenv("BNLAB_REQUIRE_NGINX", "1")
    with pytest.raises(pytest.fail.Exception, match="requires it"):
        require("nginx", False, "BNLAB_REQUIRE_NGINX", "apt-get install nginx")
    require("nginx", True, "BNLAB_REQUIRE_NGINX", "")  # present: nothing happens


# ---- the image test runs in CI ---------------------------------------------------------


def make_dry_run(ci: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"CI", "MAKEFLAGS", "MAKELEVEL"}}
    res = subprocess.run(
        ["make", "-n", "test", f"CI={ci}"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert res.returncode == 0, res.stderr
    return res.stdout


def test_make_test_runs_the_image_test_when_ci_is_set():
    if shutil.which("make") is None:
        pytest.skip("make not installed")
    assert "pytest -m image tests/deploy/test_image.py" in make_dry_run("1")
    assert "-m image" not in make_dry_run("")
    ci = (ROOT / ".ci" / "run").read_text()
    for needed in ("buildah", "mmdebstrap", "export BNLAB_REQUIRE_IMAGE=1", 'export CI="${CI:-1}"'):
        assert needed in ci, needed
    # Plain pytest leaves the image test out; `-m image` selects it.
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]
    assert "-m 'not image'" in pyproject["ini_options"]["addopts"]
    assert any(m.startswith("image:") for m in pyproject["ini_options"]["markers"])


def test_class_sizing_is_documented_in_readme_and_guide():
    readme = (ROOT / "README.md").read_text()
    guide = (ROOT / "docs" / "self-hosting.md").read_text()
    for text in (readme, guide):
        section = text.split("## Running it for a class", 1)
        assert len(section) == 2, "no 'Running it for a class' section"
        body = section[1].split("\n## ", 1)[0]
        for topic in ("students", "BNLAB_LAB_SLOTS", "BNLAB_COOKIE_SECRET", "restart"):
            assert topic in body, topic
        # Sized from measured server CPU per slider move and per training run.
        assert re.search(r"\d+ ms", body) and re.search(r"\d+ s\b", body)
