"""How far the auditor's score agrees with an experienced reviewer's, on a labelled corpus.

Every file in ``benchmarks/calibration/labels/`` is one public repository labelled by hand
with ``RUBRIC.md`` (a score per dimension, the total, the kind, a reason) before the auditor
was run on it, and assigned once to the ``calibrate`` or the ``holdout`` part (see
``benchmarks/calibration/METHOD.md``). This benchmark audits each from a local clone and
prints, for each part: Spearman's rho, pairwise order accuracy (pairs whose labels differ by
10 or more), the mean absolute gap, grade agreement, the medians of weak (label < 30) and
strong (label >= 75) repositories, and the worst disagreements with the findings behind them.

    python benchmarks/calibration.py --clones DIR [--json OUT] [--worst 10] [--jobs 2]

``DIR`` holds the clones (bare or not), found as ``DIR/owner+name/repo``, ``DIR/owner+name``,
``DIR/owner--name``, ``DIR/owner/name`` or ``DIR/name``. The repositories' contents are never
committed here; a missing clone is named and left out. A clone whose HEAD is not the pinned
commit is audited at its HEAD and flagged, since its label may no longer fit.

It is a benchmark, not a test: the suite cannot fetch repositories.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

from auditor._toml import loads as toml_loads

HERE = Path(__file__).resolve().parent
LABELS = HERE / "calibration" / "labels"
DIMENSIONS = (
    "verified_engineering",
    "communication",
    "organisation",
    "repository_hygiene",
    "history_hygiene",
)
GRADES = (("A", 90.0), ("B", 80.0), ("C", 70.0), ("D", 60.0))
PAIR_GAP = 10.0
WEAK, STRONG = 30.0, 75.0
AUDIT_TIMEOUT = 300
#: Where to keep each audited card (``--cards DIR``), for looking at what decided a score.
CARDS: Path | None = None


@dataclass
class Label:
    repo: str
    head: str
    kind: str
    expert: float
    split: str
    reason: str
    path: Path | None = None
    score: float | None = None
    grade: str | None = None
    head_now: str | None = None
    error: str | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)


def load_labels(folder: Path = LABELS) -> list[Label]:
    labels = []
    for path in sorted(folder.glob("*.toml")):
        data = toml_loads(path.read_text(encoding="utf-8"))
        total = sum(data["dimensions"][d] for d in DIMENSIONS) - data["severity"]["penalty"]
        if max(0, min(100, total)) != data["expert_score"]:
            raise SystemExit(f"{path.name}: expert_score is not the dimensions less the penalty")
        labels.append(
            Label(
                repo=data["repo"],
                head=data["head"],
                kind=data["kind"],
                expert=float(data["expert_score"]),
                split=data.get("split", "calibrate"),
                reason=data["reason"],
            )
        )
    return labels


def find_clone(clones: Path, repo: str) -> Path | None:
    owner, _, name = repo.partition("/")
    for candidate in (
        clones / f"{owner}+{name}" / "repo",
        clones / f"{owner}+{name}",
        clones / f"{owner}--{name}",
        clones / owner / name,
        clones / name,
    ):
        if (candidate / "HEAD").is_file() or (candidate / ".git").exists():
            return candidate
    return None


def audit(label: Label, auditor: Sequence[str]) -> None:
    assert label.path is not None
    try:
        done = subprocess.run(
            [*auditor, "audit", str(label.path), "--format", "json", "--no-cache"],
            capture_output=True,
            text=True,
            timeout=AUDIT_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        label.error = f"audit took over {AUDIT_TIMEOUT} s"
        return
    if done.returncode not in (0, 1):
        label.error = (done.stderr.strip().splitlines() or ["no output"])[-1][:200]
        return
    card = json.loads(done.stdout)
    if CARDS is not None:
        (CARDS / (label.repo.replace("/", "--") + ".json")).write_text(done.stdout, "utf-8")
    label.score = float(card["score"])
    label.grade = card["grade"]
    label.head_now = card["repo"]["head"]
    label.findings = card["findings"]


def grade_of(score: float) -> str:
    return next((g for g, floor in GRADES if score >= floor), "F")


def ranks(values: Sequence[float]) -> list[float]:
    """Average ranks (ties share the mean of their positions), 1-based."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    result = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            result[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return result


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float:
    rx, ry = ranks(xs), ranks(ys)
    mx, my = statistics.fmean(rx), statistics.fmean(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx)
    vy = sum((b - my) ** 2 for b in ry)
    return cov / (vx * vy) ** 0.5 if vx and vy else float("nan")


def pairwise(labels: Sequence[Label]) -> tuple[float, int]:
    """Share of pairs whose labels differ by PAIR_GAP or more that the scores order alike."""
    agree = total = 0
    for a, b in combinations(labels, 2):
        if abs(a.expert - b.expert) < PAIR_GAP:
            continue
        total += 1
        assert a.score is not None and b.score is not None
        agree += (a.expert - b.expert) * (a.score - b.score) > 0
    return (agree / total if total else float("nan")), total


def costs(label: Label, limit: int = 4) -> str:
    """The findings that pulled the score furthest from the label."""
    assert label.score is not None
    over = label.score > label.expert
    rows = []
    for f in label.findings:
        if f["status"] in ("skip", "error"):
            continue
        points = f["weight"] * (f["score"] if over else 1 - f["score"])
        if points > 0:
            rows.append((points, f["rule"], f["status"]))
    rows.sort(reverse=True)
    verb = "credited" if over else "cost"
    shown = ", ".join(f"{rule} {status}" for _, rule, status in rows[:limit])
    return f"{verb}: {shown}" if shown else ""


def report(part: str, labels: Sequence[Label], worst: int) -> dict[str, Any]:
    done = [lb for lb in labels if lb.score is not None]
    if len(done) < 3:
        print(f"\n{part}: {len(done)} audited, too few to measure")
        return {"part": part, "audited": len(done)}
    experts = [lb.expert for lb in done]
    scores = [lb.score for lb in done if lb.score is not None]
    rho = spearman(experts, scores)
    order, pairs = pairwise(done)
    gap = statistics.fmean(abs(lb.expert - (lb.score or 0)) for lb in done)
    grades = statistics.fmean(grade_of(lb.expert) == grade_of(lb.score or 0) for lb in done)
    weak = [lb for lb in done if lb.expert < WEAK]
    strong = [lb for lb in done if lb.expert >= STRONG]

    def medians(group: list[Label]) -> tuple[float, float] | None:
        if not group:
            return None
        return (
            statistics.median(lb.expert for lb in group),
            statistics.median(lb.score or 0 for lb in group),
        )

    figures = {
        "part": part,
        "audited": len(done),
        "spearman": round(rho, 3),
        "pairwise": round(order, 3),
        "pairs": pairs,
        "mean_abs_gap": round(gap, 1),
        "grade_agreement": round(grades, 3),
        "weak_median": medians(weak),
        "strong_median": medians(strong),
    }
    print(f"\n== {part}: {len(done)} repositories")
    print(f"  Spearman rho          {rho:6.3f}")
    print(f"  pairwise order        {order:6.3f}  ({pairs} pairs differing by >= {PAIR_GAP:g})")
    print(f"  mean absolute gap     {gap:6.1f} points")
    print(f"  grade agreement       {grades:6.3f}")
    for name, group in (("weak (< 30)", weak), ("strong (>= 75)", strong)):
        m = medians(group)
        if m:
            print(f"  median {name:<14} label {m[0]:5.1f}  score {m[1]:5.1f}  (n={len(group)})")
    print(f"  {worst} worst disagreements (score - label):")
    for lb in sorted(done, key=lambda x: -abs((x.score or 0) - x.expert))[:worst]:
        delta = (lb.score or 0) - lb.expert
        print(
            f"    {delta:+6.1f}  {lb.repo:<45} label {lb.expert:4.0f} score {lb.score:5.1f}"
            f"  [{lb.kind}]  {costs(lb)}"
        )
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clones", type=Path, required=True, help="folder of local clones")
    parser.add_argument("--json", type=Path, help="write every score and figure here")
    parser.add_argument("--worst", type=int, default=10)
    parser.add_argument("--cards", type=Path, help="keep every card (JSON) in this folder")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--auditor",
        default=f"{sys.executable} -m auditor",
        help="the command that runs the auditor (default: this Python's)",
    )
    args = parser.parse_args(argv)
    global CARDS
    if args.cards is not None:
        args.cards.mkdir(parents=True, exist_ok=True)
        CARDS = args.cards
    labels = load_labels()
    missing = []
    for label in labels:
        label.path = find_clone(args.clones, label.repo)
        if label.path is None:
            missing.append(label.repo)
    if missing:
        print(f"missing clones ({len(missing)}), left out: {', '.join(missing)}")
    present = [lb for lb in labels if lb.path is not None]
    command = args.auditor.split()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        list(pool.map(lambda lb: audit(lb, command), present))
    for label in present:
        if label.error:
            print(f"not audited: {label.repo}: {label.error}")
        elif label.head_now != label.head:
            print(f"HEAD moved: {label.repo} is at {label.head_now}, labelled at {label.head}")
    parts = [
        report("calibration part", [lb for lb in present if lb.split == "calibrate"], args.worst),
        report("held-back part", [lb for lb in present if lb.split == "holdout"], args.worst),
        report("all", present, args.worst),
    ]
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "figures": parts,
                    "repositories": [
                        {
                            "repo": lb.repo,
                            "split": lb.split,
                            "kind": lb.kind,
                            "label": lb.expert,
                            "score": lb.score,
                            "grade": lb.grade,
                            "error": lb.error,
                        }
                        for lb in labels
                    ],
                },
                indent=2,
            ),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
