"""How long the comment scrubber takes on crafted worst cases, against ordinary text of the
same length: a ratio per shape, measured within one run (never an absolute time).

    python bench/scrub_speed.py [--lengths 2000 20000] [--repeats 7]

Each shape is a unit repeated to the length; each ratio is the best of `repeats` timings of
the crafted text over the best of as many timings of the ordinary text, taken in turns, so
load on the machine touches both alike. A pattern that backtracks shows as a ratio that grows
with the length; a linear scrubber keeps every ratio small and about the same at each length.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from feedback.answers.privacy import scrub

# Ordinary comments: dates, amounts, times, counts, a reference number, both languages.
ORDINARY = (
    "Thanks for the help on 2024-03-15. I waited 20 minutes at the counter and paid $45.50 "
    "for the renewal. Le service était rapide, merci! J'ai attendu 15 min, dossier 12345. "
    "Call 311 for info; the office at 3 p.m. was closed on Nov. 4, 2025. "
)

# Shapes that made backtracking patterns blow up, or that make the most work per character.
SHAPES: dict[str, str] = {
    "spaces": " ",
    "digits": "1",
    "digit-space": "1 ",
    "groups-of-3": "123 ",
    "groups-of-4": "1234 ",
    "digit-comma": "1, ",
    "hash": "# 1 ",
    "unit-hash-comma": "Apt # 1, ",
    "unit-then-spaces": "1 apt" + " " * 60 + "#",
    # One run as long as the text (the unit is cut to the length).
    "unit-long-spaces": "1 apt" + " " * 30000,
    "unit-hash-long-spaces": "1 Apt #" + " " * 30000 + "1",
    "civic-long-spaces": "1," + " " * 30000,
    "extension-long-spaces": "613-555-0199 x" + " " * 30000,
    "dots": "1.",
    "dashes": "1-",
    "en-dashes": "613–555–",
    "phone-ext-spaces": "613 555 0199 ext" + " " * 40,
    "at-signs": "a@",
    "email-like": "a.b@c.",
    "capitalised-street": "1 Main ",
    "french-street": "1 rue de la ",
    "ordinals": "1st ",
    "passport-like": "AB 12345",
    "postal-like": "K1A 0B",
    "full-width": "１２３４ ",
    "no-break-spaces": "1\u00a0",
    "long-word": "1 " + "A" * 200 + " ",
    "mixed": "1 a@b 1.2-3 #,",
    "sins": "046 454 286 ",
    "cards": "4111 1111 1111 1111 ",
    # Separators of up to two spaces, or a dash with a space each side.
    "spaced-dashes": "613 - 555 - ",
    "double-spaces": "4111  1111  ",
    "at-spaces": "a   @   ",
    "at-words": "a (at) b [at] ",
    "passport-words": "passport no : ",
    # Digits of other scripts, read as ASCII ones (same length).
    "arabic-indic-digits": "\u0666\u0661\u0663-\u0665\u0665\u0665-",
    # NFKC grows these: "(20)" is kept (digits), the 18-character U+FDFA is not expanded.
    "nfkc-expanding": "\u2487\ufdfa",
    "nfkc-long-forms": "\ufdfa\u3300 ",
}


def fit(unit: str, length: int) -> str:
    """`unit` repeated and cut to `length` characters."""
    return (unit * (length // len(unit) + 1))[:length]


def _time(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def ratios(length: int, repeats: int = 7, shapes: list[str] | None = None) -> dict[str, float]:
    """Each shape's best time over the ordinary text's best time, at `length` characters."""
    ordinary = fit(ORDINARY, length)
    out = {}
    for name in shapes or list(SHAPES):
        crafted = fit(SHAPES[name], length)
        worst, base = [], []
        for _ in range(repeats):  # in turns, so both see the same load
            base.append(_time(lambda: scrub(ordinary)))
            worst.append(_time(lambda t=crafted: scrub(t)))  # type: ignore[misc]
        out[name] = min(worst) / min(base)
    return out


def main() -> None:
    """Print the ratio of every shape at each length, and the worst."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    table = {n: ratios(n, args.repeats) for n in args.lengths}
    print(f"{'shape':20s}" + "".join(f"{n:>10d}" for n in args.lengths))
    for name in SHAPES:
        print(f"{name:20s}" + "".join(f"{table[n][name]:10.2f}" for n in args.lengths))
    print(f"{'worst':20s}" + "".join(f"{max(table[n].values()):10.2f}" for n in args.lengths))


if __name__ == "__main__":
    main()
