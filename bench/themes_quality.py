"""Precision and recall of the theme classifier, per theme and language, on held-out comments.

Trained on the built-in examples (feedback/comments/examples.py) only; tested on the demo
comments (seed/comments.py, labelled in THEMES), none of which it saw. A second run trains
on the examples plus half of the demo comments (as if staff had confirmed them) and tests on
the other half, as the product does once staff confirm themes.

Usage: python bench/themes_quality.py   (results go in docs/benchmarks.md, "Theme classifier")
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence

from feedback.comments import classifier, examples
from feedback.comments.themes import BUILT_IN
from seed.comments import COMMENTS, THEMES, labelled

KEYS = [k for k, _en, _fr in BUILT_IN]
IDS = {k: i + 1 for i, k in enumerate(KEYS)}


def _train(items: Sequence[tuple[str, str, tuple[str, ...]]]) -> classifier.Model:
    return classifier.train([(said, [IDS[k] for k in keys]) for _lang, said, keys in items])


def evaluate(model: classifier.Model, test: Sequence[tuple[str, str, tuple[str, ...]]]) -> None:
    """Print precision and recall per theme and language, then micro averages."""
    suggested = model.suggest([said for _lang, said, _keys in test])
    counts: Counter[tuple[str, str, str]] = Counter()  # (theme, lang, tp|fp|fn)
    for (lang, _said, keys), found in zip(test, suggested, strict=True):
        truth = {IDS[k] for k in keys}
        got = {t for t, _p in found}
        for key in KEYS:
            t = IDS[key]
            if t in got and t in truth:
                counts[(key, lang, "tp")] += 1
            elif t in got:
                counts[(key, lang, "fp")] += 1
            elif t in truth:
                counts[(key, lang, "fn")] += 1
    print(f"{'theme':22} {'lang':4} {'n':>3} {'precision':>9} {'recall':>7}")
    for key in KEYS:
        for lang in ("en", "fr"):
            tp, fp, fn = (counts[(key, lang, x)] for x in ("tp", "fp", "fn"))
            if tp + fn == 0 and fp == 0:
                continue
            p = f"{tp / (tp + fp):.2f}" if tp + fp else "–"
            r = f"{tp / (tp + fn):.2f}" if tp + fn else "–"
            print(f"{key:22} {lang:4} {tp + fn:3} {p:>9} {r:>7}")
    for lang in ("en", "fr"):
        tp = sum(counts[(k, lang, "tp")] for k in KEYS)
        fp = sum(counts[(k, lang, "fp")] for k in KEYS)
        fn = sum(counts[(k, lang, "fn")] for k in KEYS)
        print(
            f"micro {lang}: precision {tp / max(1, tp + fp):.2f}, recall {tp / max(1, tp + fn):.2f}"
            f" ({tp + fn} labels)"
        )


def main() -> None:
    """Both runs, printed."""
    base = [(lang, said, tuple(keys.split())) for keys, lang, said in examples.EXAMPLES]
    held = labelled()
    print(f"Run 1: trained on {len(base)} built-in examples, tested on {len(held)} demo comments")
    evaluate(_train(base), held)
    # Split by comment, not by sentence: a comment's English and French stay on one side.
    by_comment: dict[int, list[tuple[str, str, tuple[str, ...]]]] = {}
    for (_tone, _tags, en, fr), keys in zip(COMMENTS, THEMES, strict=True):
        said = [(lang, t, tuple(keys.split())) for lang, t in (("en", en), ("fr", fr)) if t]
        by_comment[len(by_comment)] = said
    order = sorted(by_comment)
    random.Random(18).shuffle(order)
    chosen = set(order[: len(order) // 2])
    train_half = [s for i in sorted(chosen) for s in by_comment[i]]
    test_half = [s for i in order if i not in chosen for s in by_comment[i]]
    print(
        f"\nRun 2: plus {len(train_half)} demo comments as if confirmed, tested on {len(test_half)}"
    )
    evaluate(_train(base + train_half), test_half)


if __name__ == "__main__":
    main()
