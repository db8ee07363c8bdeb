"""Lesson 6's computation graph is legible in both Streamlit themes.

The DOT text the page hands to st.graphviz_chart is parsed here: every node label must
have an explicit, opaque text colour and fill that Graphviz understands (it drew the old
"rgba(...)" fills black, under black text: ten black boxes), with a WCAG contrast of at
least 4.5:1; every edge label either sits on its own opaque tag with that contrast, or
(plain text on the transparent page) reaches 4.5:1 against both theme backgrounds.
"""

from __future__ import annotations

import re

import pytest

from bnlib.viz import gradient_flow
from bnlib.viz.theme import contrast

HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
# Streamlit's light and dark theme page backgrounds (what a transparent graph sits on)
THEME_BACKGROUNDS = {"light": "#FFFFFF", "dark": "#0E1117"}
NODE = re.compile(r"^\s*(\w+) \[(.*)\];$")
EDGE = re.compile(r"^\s*(\w+) -> (\w+)(?: \[(.*)\])?;$")
VALUES = {"mu": 1.25, "var": 0.5, "inv_std": 1.4, "dbeta": -0.5, "dgamma": 2.0, "dmu": -1e-17}


def attr(attrs: str, name: str) -> str | None:
    m = re.search(rf'(?<![\w]){name}="([^"]*)"', attrs)
    return m.group(1) if m else None


def statements(dot: str):
    nodes, edges, defaults = {}, [], {}
    for line in dot.splitlines():
        if line.strip().startswith(("node [", "edge [")):
            defaults[line.strip()[:4]] = line
            continue
        if m := EDGE.match(line):
            edges.append((m.group(1), m.group(2), m.group(3) or ""))
        elif (m := NODE.match(line)) and m.group(1) not in ("node", "edge", "graph"):
            nodes[m.group(1)] = m.group(2)
    return nodes, edges, defaults


@pytest.mark.parametrize("values", [None, VALUES], ids=["plain", "with-values"])
def test_every_node_label_contrasts_with_its_fill(values):
    nodes, _, defaults = statements(gradient_flow.bn_graph_dot(values))
    assert len(nodes) == 9
    assert "filled" in defaults["node"]
    for key, attrs in nodes.items():
        fill, text = attr(attrs, "fillcolor"), attr(attrs, "fontcolor")
        assert fill and HEX.match(fill), f"{key}: fill {fill!r} is not an opaque #RRGGBB"
        assert text and HEX.match(text), f"{key}: text colour {text!r} is not explicit"
        ratio = contrast(text, fill)
        assert ratio >= 4.5, f"{key}: label {text} on {fill} has contrast {ratio:.2f}"


@pytest.mark.parametrize("values", [None, VALUES], ids=["plain", "with-values"])
def test_every_edge_label_is_legible_on_light_and_dark(values):
    _, edges, _ = statements(gradient_flow.bn_graph_dot(values))
    labelled = [e for e in edges if "label=" in e[2]]
    assert len(labelled) == 4
    for a, b, attrs in labelled:
        html = re.search(r"label=<(.*)>", attrs)
        if html:  # an HTML label: text on its own tag
            fills = re.findall(r'BGCOLOR="([^"]+)"', html.group(1))
            colors = re.findall(r'<FONT COLOR="([^"]+)">([^<]*)</FONT>', html.group(1))
            cells = re.findall(r"<TD>(.*?)</TD>", html.group(1))
            assert len(fills) == 1 and HEX.match(fills[0]), f"{a}->{b}: no opaque tag"
            assert colors and len(colors) == len(cells), f"{a}->{b}: a cell without a colour"
            for color, text in colors:
                assert HEX.match(color) and text.strip()
                ratio = contrast(color, fills[0])
                assert ratio >= 4.5, f"{a}->{b}: {text!r} {color} on {fills[0]}: {ratio:.2f}"
        else:  # plain text on the transparent page: must read on both themes
            color = attr(attrs, "fontcolor")
            assert color and HEX.match(color), f"{a}->{b}: label colour not explicit"
            for theme, bg in THEME_BACKGROUNDS.items():
                ratio = contrast(color, bg)
                assert ratio >= 4.5, f"{a}->{b}: {color} on the {theme} page: {ratio:.2f}"


def test_contrast_matches_known_wcag_values():
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)
    assert contrast("#0072B2", "#0072B2") == pytest.approx(1.0)
    with pytest.raises(ValueError):
        contrast("rgba(230, 159, 0, 0.45)", "#000000")  # what drew the black boxes
