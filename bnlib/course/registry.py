"""The course map: every page of the app, in order. Pure data (no streamlit import).

app.py builds st.navigation from PAGES; the home page draws its lesson map from it;
tests run every registered page. To add a lesson, add its file under pages/ and one
PageSpec here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bnlib.data.paths import ROOT

SECTIONS = ("Start", "Lessons", "Lab", "Practice", "Reference")


@dataclass(frozen=True)
class PageSpec:
    path: str  # file relative to the repository root
    title: str
    icon: str  # ":material/<name>:"
    url_path: str  # unique, no "/"
    section: str
    blurb: str = ""  # one line for the course map
    lesson: int | None = None  # lesson number, for ordering and "next lesson" links

    @property
    def file(self) -> Path:
        return ROOT / self.path

    @property
    def exists(self) -> bool:
        return self.file.is_file()


PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "pages/home.py",
        "Welcome",
        ":material/home:",
        "home",
        "Start",
        "What batch normalization is, in one screen.",
    ),
    PageSpec(
        "pages/lesson_01_covariate_shift.py",
        "1. The problem",
        ":material/trending_up:",
        "covariate-shift",
        "Lessons",
        "Why layer inputs drift while a network trains.",
        lesson=1,
    ),
    PageSpec(
        "pages/lesson_02_batch_statistics.py",
        "2. Batch statistics",
        ":material/functions:",
        "batch-statistics",
        "Lessons",
        "The four steps: mean, variance, normalize, scale and shift.",
        lesson=2,
    ),
    PageSpec(
        "pages/lesson_03_batch_size.py",
        "3. How big a batch?",
        ":material/grid_view:",
        "batch-size",
        "Lessons",
        "Batch statistics are estimates, and they are noisy.",
        lesson=3,
    ),
    PageSpec(
        "pages/lesson_04_gamma_beta.py",
        "4. Gamma and beta",
        ":material/tune:",
        "gamma-beta",
        "Lessons",
        "The learned scale and shift that give capacity back.",
        lesson=4,
    ),
    PageSpec(
        "pages/lesson_05_train_vs_inference.py",
        "5. Training vs inference",
        ":material/swap_horiz:",
        "train-vs-inference",
        "Lessons",
        "Running averages, momentum conventions and the eval() bug.",
        lesson=5,
    ),
    PageSpec(
        "pages/lesson_06_gradient_flow.py",
        "6. Gradient flow",
        ":material/account_tree:",
        "gradient-flow",
        "Lessons",
        "The backward pass, step by step and checked.",
        lesson=6,
    ),
    PageSpec(
        "pages/lesson_07_placement.py",
        "7. Where to put it",
        ":material/low_priority:",
        "placement",
        "Lessons",
        "Before or after the activation, and the useless bias.",
        lesson=7,
    ),
    PageSpec(
        "pages/lesson_08_convolutions.py",
        "8. Convolutional layers",
        ":material/filter_center_focus:",
        "convolutions",
        "Lessons",
        "One mean and variance per channel, pooled over space.",
        lesson=8,
    ),
    PageSpec(
        "pages/lesson_09_signal_processing.py",
        "9. BN as signal processing",
        ":material/graphic_eq:",
        "signal-processing",
        "Lessons",
        "Autoscaling, constant inputs, rare events, drift; your own CSV.",
        lesson=9,
    ),
    PageSpec(
        "pages/lesson_10_alternatives.py",
        "10. Layer, instance, group norm",
        ":material/alt_route:",
        "alternatives",
        "Lessons",
        "Statistics from inside one sample, and how each norm copes as the batch shrinks.",
        lesson=10,
    ),
    PageSpec(
        "pages/lesson_10b_non_random_batches.py",
        "11. Non-random batches",
        ":material/shuffle:",
        "non-random-batches",
        "Lessons",
        "One-class batches, batch renorm, and online norm at batch size 1.",
        lesson=11,
    ),
    PageSpec(
        "pages/lesson_11_why_it_works.py",
        "12. Why does it work?",
        ":material/psychology:",
        "why-it-works",
        "Lessons",
        "Covariate shift or a smoother landscape? Measured live.",
        lesson=12,
    ),
    PageSpec(
        "pages/training_lab.py",
        "Training lab",
        ":material/science:",
        "training-lab",
        "Lab",
        "Train networks with and without BN side by side.",
    ),
    PageSpec(
        "pages/quiz.py",
        "Quiz",
        ":material/quiz:",
        "quiz",
        "Practice",
        "A scored mix of questions from every lesson.",
    ),
    PageSpec(
        "pages/reference.py",
        "Reference",
        ":material/menu_book:",
        "reference",
        "Reference",
        "Code, parameters, momentum converter, bug checklist, FAQ.",
    ),
    PageSpec(
        "pages/glossary.py",
        "Glossary",
        ":material/dictionary:",
        "glossary",
        "Reference",
        "Every term, explained at your level.",
    ),
)


def available_pages() -> list[PageSpec]:
    """The registered pages whose files exist (pages still being written are left out)."""
    return [p for p in PAGES if p.exists]


def lessons() -> list[PageSpec]:
    return sorted((p for p in PAGES if p.lesson is not None), key=lambda p: p.lesson)


def page_by_url(url_path: str) -> PageSpec:
    for p in PAGES:
        if p.url_path == url_path:
            return p
    raise KeyError(f"no page with url_path {url_path!r}")


def previous_page(url_path: str) -> PageSpec | None:
    """The lesson before this one (the welcome page before the first lesson)."""
    order = [page_by_url("home"), *lessons()]
    urls = [p.url_path for p in order]
    if url_path not in urls:
        return None
    for p in reversed(order[: urls.index(url_path)]):
        if p.exists:
            return p
    return None


def next_page(url_path: str) -> PageSpec | None:
    """The lesson after this one (the lab after the last lesson), if it exists yet."""
    order = [p for p in lessons()] + [page_by_url("training-lab")]
    urls = [p.url_path for p in order]
    if url_path not in urls:
        return None
    for p in order[urls.index(url_path) + 1 :]:
        if p.exists:
            return p
    return None
