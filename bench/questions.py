"""What classifying one comment costs: `python -m bench.questions [--rounds N]`.

Runs the shipped config's classifier over the labelled corpus
(tests/fixtures/comments_id.txt, short live-chat comments) and over long
comments at the classifier's length cap, and prints microseconds per comment
(median of the rounds, min and max beside it) for `normalise` alone and for
the whole classification. Not part of `make test` or `make bench`: a number
for the design note, taken on this machine.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from monitor.config import load_config
from monitor.questions import MAX_COMMENT_CHARS, normalise

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "fixtures" / "comments_id.txt"


def corpus_comments() -> list[str]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    return [line.split(" | ", 1)[1] for line in lines if line.strip() and not line.startswith("#")]


def long_comments(count: int) -> list[str]:
    """Comments at the length cap, mixing slang, emoji and stretched letters (the slow side)."""
    piece = "kaaak brp harganyaa 😍😍 ready size xl gak?? ongkir ke medan brp, bahannya adem bgt "
    text = (piece * (MAX_COMMENT_CHARS // len(piece) + 1))[:MAX_COMMENT_CHARS]
    return [f"{index} {text}" for index in range(count)]


def per_comment_us(function, comments: list[str], rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        for comment in comments:
            function(comment)
        times.append((time.perf_counter() - started) / len(comments) * 1e6)
    return times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args(argv)
    classifier = load_config(ROOT / "config.toml").questions.classifier()
    workloads = {"corpus": corpus_comments(), f"{MAX_COMMENT_CHARS}-char comments": long_comments(200)}
    print("| comments | step | µs per comment (median) | min | max | comments/s on one core |")
    print("|---|---|---|---|---|---|")
    for name, comments in workloads.items():
        for step, function in (("normalise", normalise), ("classify", classifier.topics)):
            times = per_comment_us(function, comments, args.rounds)
            median = statistics.median(times)
            print(f"| {name} ({len(comments)}) | {step} | {median:.1f} | {min(times):.1f} | {max(times):.1f} "
                  f"| {1e6 / median:,.0f} |")


if __name__ == "__main__":
    main()
