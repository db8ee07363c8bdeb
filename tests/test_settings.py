"""The settings schema: every declared setting round-trips through a URL, and any query
string whatsoever parses without raising, falling back to defaults with a notice."""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import importlib
import math
import pkgutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bnlib
from bnlib.settings import (
    Setting,
    all_settings,
    dataclass_from_query,
    encode_query,
    parse_query,
    register,
    settings_for_dataclass,
)

ROOT = Path(__file__).resolve().parents[1]


# --- collecting every Setting declared anywhere --------------------------------------------
def _module_literals(tree: ast.Module) -> dict[str, object]:
    """Names a Setting(...) call may use: NAME = <literal> at module level, and constants
    imported from bnlib modules (from bnlib.x import NAMES), to resolve choices=NAMES."""
    names: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bnlib"):
            module = importlib.import_module(node.module)
            for alias in node.names:
                value = getattr(module, alias.name, None)
                if isinstance(value, (str, int, float, bool, tuple)):
                    names[alias.asname or alias.name] = value
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                with contextlib.suppress(ValueError):
                    names[target.id] = ast.literal_eval(node.value)
    return names


def _value(node: ast.AST, names: dict[str, object]):
    if isinstance(node, ast.Name) and node.id in names:
        return names[node.id]
    return ast.literal_eval(node)


def declared_in_source() -> tuple[list[Setting], list[tuple[str | None, str]]]:
    """Module-level Setting(...) calls in pages/ and bnlib/, built from their literal arguments.
    Returns (settings, problems): problems are (key, message) for calls not built."""
    found: list[Setting] = []
    problems: list[str] = []
    files = sorted((ROOT / "pages").glob("*.py")) + sorted((ROOT / "bnlib").rglob("*.py"))
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = _module_literals(tree)
        # Module level only: settings made inside functions (factories such as
        # settings_for_dataclass) reach all_settings() through register().
        top = [n for n in tree.body if not isinstance(n, (ast.FunctionDef, ast.ClassDef))]
        for node in (n for stmt in top for n in ast.walk(stmt)):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Setting"):
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            try:
                args = [_value(a, names) for a in node.args]
                kwargs = {k.arg: _value(k.value, names) for k in node.keywords}
                found.append(Setting(*args, **kwargs))
            except (ValueError, TypeError, SyntaxError) as exc:
                key = (
                    node.args[0].value
                    if node.args and isinstance(node.args[0], ast.Constant)
                    else None
                )
                problems.append((key, f"{where}: {exc}"))
    return found, problems


def _import_bnlib() -> None:
    for info in pkgutil.walk_packages(bnlib.__path__, "bnlib."):
        importlib.import_module(info.name)


def every_setting() -> list[Setting]:
    _import_bnlib()
    from_source, _ = declared_in_source()
    by_key = {s.key: s for s in from_source}
    by_key.update({s.key: s for s in all_settings()})
    return [by_key[k] for k in sorted(by_key)]


def test_every_setting_call_can_be_collected():
    _import_bnlib()
    registered = {s.key for s in all_settings()}
    _, found_problems = declared_in_source()
    # a call built from computed values is fine when its module register()s it
    problems = [msg for key, msg in found_problems if key not in registered]
    assert not problems, (
        "Setting(...) calls whose arguments are not literals (or module-level literal "
        "constants); declare them with literals or register() them in a bnlib module: "
        f"{problems}"
    )


def test_keys_are_unique_across_the_app():
    found, _ = declared_in_source()
    keys = [s.key for s in found]
    dupes = {k for k in keys if keys.count(k) > 1}
    differing = {k for k in dupes if len({s for s in found if s.key == k}) > 1}
    assert not differing, f"one key, different settings: {sorted(differing)}"


def test_the_learning_pages_settings_are_found():
    keys = {s.key for s in every_setting()}
    assert {"quiz_seed", "quiz_n", "glossary_q"} <= keys
    # the whole training-lab configuration, both columns (bnlib.ui.lab_settings)
    assert {"a_depth", "b_norm", "a_lr", "b_steps", "unlinked", "preset", "seeds", "seed0"} <= keys


# --- round trips ---------------------------------------------------------------------------
def sample_values(s: Setting) -> list:
    if s.kind == "bool":
        return [True, False]
    if s.kind == "choice":
        return list(s.choices)
    if s.kind == "multi":
        c = s.choices
        return [(), s.default, c[:1], c[-1:], tuple(reversed(c)), c[1::2]]
    if s.kind == "text":
        return ["", "abc", "a&b=c#d <b>x</b> [l](u) 100%", "é" * s.max_len]
    lo = s.min if s.min is not None else -1e6
    hi = s.max if s.max is not None else 1e6
    values = [s.default, lo, hi, lo + (hi - lo) / 3]
    if s.step:
        values.append(min(hi, lo + s.step))
    if s.kind == "int":
        values = [int(round(v)) for v in values]
    return [v for v in values if s.allows(v)]


SETTINGS = every_setting()


@pytest.mark.parametrize("s", SETTINGS, ids=[s.key for s in SETTINGS])
def test_each_value_round_trips_through_its_url_text(s):
    assert s.allows(s.default)
    for v in sample_values(s):
        text = s.encode(v)
        if s.kind == "multi":  # one text per repeated parameter
            assert isinstance(text, list) and all(isinstance(x, str) for x in text)
        else:
            assert isinstance(text, str)
        back = s.parse(text)
        assert back == v and type(back) is type(v), (s.key, v, text, back)


@pytest.mark.parametrize("s", SETTINGS, ids=[s.key for s in SETTINGS])
def test_each_field_round_trips_through_a_whole_query(s):
    for v in sample_values(s):
        values = {x.key: x.default for x in SETTINGS} | {s.key: v}
        query = encode_query(SETTINGS, values)
        assert (s.key in query) == (v != s.default)
        parsed, notices = parse_query(SETTINGS, query)
        assert parsed == values and notices == []


def test_parse_mirrors_streamlit_rules():
    b = Setting("b", "bool", False)
    assert b.parse("TRUE") is True and b.parse("false") is False
    for bad in ("1", "yes", "on", " true"):
        with pytest.raises(ValueError):
            b.parse(bad)
    i = Setting("i", "int", 3, min=1, max=10)
    assert i.parse("4.9") == 4 and i.parse(" 7 ") == 7  # float() then truncation, as the slider
    for bad in ("11", "0.5", "nan", "inf", "1e400", "abc", "", "__import__('os')"):
        with pytest.raises(ValueError):
            i.parse(bad)
    c = Setting("c", "choice", "relu", choices=("relu", "tanh"))
    for bad in ("ReLU", " relu", "relu "):
        with pytest.raises(ValueError):
            c.parse(bad)
    t = Setting("t", "text", "", max=5)
    assert t.parse("abcdefgh") == "abcde"


def test_multi_parse_mirrors_streamlit_multiselect():
    m = Setting("m", "multi", ("a",), choices=("a", "b", "c"))
    assert m.parse(["b", "a"]) == ("b", "a")  # the link's order, as the multiselect keeps it
    assert m.parse("c") == ("c",)
    assert m.parse([""]) == () and m.parse("") == ()  # ?m= alone: nothing selected
    assert m.parse(["b", "zz", "b"]) == ("b",)  # unknown and repeated entries are dropped
    for bad in (["zz"], ["A"], ["zz", ""]):
        with pytest.raises(ValueError):
            m.parse(bad)
    values, notices = parse_query([m], {"m": ["<i>x</i>"]})
    assert values == {"m": ("a",)} and len(notices) == 1 and "<i>" not in notices[0]
    assert encode_query([m], {"m": ()}) == {"m": [""]}
    with pytest.raises(ValueError):
        Setting("m2", "multi", ("a", "a"), choices=("a", "b"))


def test_notices_never_echo_the_url_text():
    s = Setting("x", "float", 0.5, "Learning rate", min=0.0, max=1.0)
    for evil in ("<script>alert(1)</script>", "[click](javascript:alert(1))", ":red[boo]"):
        values, notices = parse_query([s], {"x": evil})
        assert values == {"x": 0.5}
        assert len(notices) == 1 and evil not in notices[0] and "Learning rate" in notices[0]


def test_bad_declarations_are_refused():
    with pytest.raises(ValueError):
        Setting("k", "choice", "z", choices=("a", "b"))
    with pytest.raises(ValueError):
        Setting("k", "float", 5.0, min=0, max=1)
    with pytest.raises(ValueError):
        Setting("k", "complex", 1)
    with pytest.raises(ValueError):
        Setting("bad key", "bool", True)
    with pytest.raises(ValueError):
        Setting("k", "bool", 1)
    with pytest.raises(ValueError):
        Setting("k", "choice", 1, choices=(1, "1"))  # same URL text twice


def test_register_checks_unique_keys():
    a = Setting("test_reg_key", "int", 1, min=0, max=2)
    register(a)
    register(a)  # the same definition again is fine (pages rerun)
    with pytest.raises(ValueError, match="test_reg_key"):
        register(Setting("test_reg_key", "int", 2, min=0, max=2))


@dataclasses.dataclass(frozen=True)
class _Config:
    depth: int = 3
    lr: float = 0.1
    norm: str = "none"
    standardize: bool = True


def test_dataclass_settings_round_trip():
    ss = settings_for_dataclass(
        _Config,
        "t_",
        bounds={"depth": (1, 20), "lr": (1e-4, 10.0)},
        choices={"norm": ("none", "bn")},
    )
    cfg = _Config(depth=7, lr=0.003, norm="bn", standardize=False)
    values = {f"t_{k}": v for k, v in dataclasses.asdict(cfg).items()}
    back, notices = dataclass_from_query(_Config, "t_", ss, encode_query(ss, values))
    assert back == cfg and notices == []
    back, notices = dataclass_from_query(_Config, "t_", ss, {"t_depth": "99", "t_norm": "x"})
    assert back == _Config() and len(notices) == 2
    with pytest.raises(ValueError, match="norm"):
        settings_for_dataclass(_Config, "t_")  # a str field needs its choices


# --- fuzzing -------------------------------------------------------------------------------
KEYS = [s.key for s in SETTINGS]
text = st.text(max_size=80)
# the texts of every choice, so repeated parameters also mix valid and invalid entries
CHOICE_TEXTS = sorted({s._text(c) for s in SETTINGS for c in s.choices}) or ["x"]
raw_value = st.one_of(
    text,
    st.lists(text, max_size=3),
    st.sampled_from(["nan", "inf", "-0", "1e400"]),
    st.lists(st.one_of(st.sampled_from(CHOICE_TEXTS), text), max_size=4),
)
queries = st.dictionaries(st.one_of(st.sampled_from(KEYS), text), raw_value, max_size=8)


@settings(max_examples=300, deadline=None)
@given(queries)
def test_fuzzed_queries_never_raise_and_fall_back_to_defaults(query):
    values, notices = parse_query(SETTINGS, query)
    assert set(values) == set(KEYS)
    n_bad = 0
    for s in SETTINGS:
        assert s.allows(values[s.key]), (s.key, values[s.key])
        if s.key not in query:
            assert values[s.key] == s.default
            continue
        raw = query[s.key]
        if s.kind != "multi":  # a multi setting reads every repeated parameter
            raw = (raw[-1] if raw else "") if isinstance(raw, list) else raw
        try:
            expected = s.parse(raw)
        except ValueError:
            expected, n_bad = s.default, n_bad + 1
        assert values[s.key] == expected or (isinstance(expected, float) and math.isnan(expected))
    assert len(notices) == n_bad


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_fuzzed_floats_round_trip_or_fall_back(x):
    s = Setting("f", "float", 0.0, min=-1e3, max=1e3)
    values, notices = parse_query([s], {"f": s.encode(x)})
    if -1e3 <= x <= 1e3:
        assert values["f"] == x and not notices
    else:
        assert values["f"] == 0.0 and len(notices) == 1
