"""Real projects as the judge: accuracy against hand labels.

Pinned PyPI sdists (`pip download --no-deps --no-binary :all:`), none written here, are
fetched once into ~/.cache/loopsafe-bench. Every event-loop site of each was labelled by
reading its code before looking at loopsafe's verdicts (bench/realworld/LABELLING.md):
bench/realworld/labels/<project>.json.

    python bench/accuracy.py                 # this checkout, every project
    python bench/accuracy.py --src DIR       # another checkout's src/, to compare
    python bench/accuracy.py --only NAME     # one project, with every disagreement

Whether fixes keep projects working (suites, imports and callers before and after
`fix --unsafe-fixes`) is bench/fixproof.py (`make fixproof`); the `fixproof` subcommand
that used to be here, which ran two suites in loopsafe's own venv, was dropped for it.

What it counts, per project and in total:
- must-fix found: sites labelled `fix` with a fix or review finding on their line;
- review found: the same for sites labelled `review`;
- false alarms: sites labelled `ok` (or lines labelled as no site) with a fix or review
  finding, over all such labelled lines;
- category right: labelled sites with a finding on their line whose category matches;
- unlabelled: fix/review findings on lines no label mentions (a labeller's miss or a
  false alarm: `--only` lists them to be read).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from sdist_projects import fetch as fetch_sdist

HERE = Path(__file__).resolve().parent
LABELS = HERE / "realworld" / "labels"
BIN = Path(sys.executable).parent
# sdist name -> pinned requirement. Chosen to cover libraries with sync wrappers
# (asgiref, asyncer, gql, ib_insync, jupyter_core, mangum, unsync), servers and frameworks
# (uvicorn, hypercorn, starlette, quart), task queues (dramatiq, flower,
# celery-pool-asyncio), Alembic, thread-heavy code (janus, unsync) and test tooling
# (pytest-asyncio).
PROJECTS = {
    "alembic-1.13.2": "alembic==1.13.2",
    "asgiref-3.8.1": "asgiref==3.8.1",
    "asyncer-0.0.8": "asyncer==0.0.8",
    "celery-pool-asyncio-0.2.0": "celery-pool-asyncio==0.2.0",
    "dramatiq-1.17.0": "dramatiq==1.17.0",
    "flower-2.0.1": "flower==2.0.1",
    "gql-3.5.0": "gql==3.5.0",
    "hypercorn-0.17.3": "hypercorn==0.17.3",
    "ib_insync-0.9.86": "ib_insync==0.9.86",
    "janus-1.0.0": "janus==1.0.0",
    "jupyter_core-5.7.2": "jupyter_core==5.7.2",
    "mangum-0.17.0": "mangum==0.17.0",
    "pytest_asyncio-0.23.8": "pytest-asyncio==0.23.8",
    "quart-0.19.6": "quart==0.19.6",
    "starlette-0.38.6": "starlette==0.38.6",
    "unsync-1.4.0": "unsync==1.4.0",
    "uvicorn-0.30.6": "uvicorn==0.30.6",
}
ACTIONABLE = ("fix", "review")


def fetch(name: str) -> Path:
    """The unpacked sdist of project `name`, downloaded on first use."""
    return fetch_sdist(name, PROJECTS[name])


def _loopsafe(args: list[str], cwd: Path, src: Path | None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    return subprocess.run(
        [str(BIN / "loopsafe"), *args], cwd=cwd, env=env, capture_output=True, text=True
    )


def findings(name: str, src: Path | None) -> list[dict[str, Any]]:
    run = _loopsafe(["check", ".", "--format", "json", "--no-cache"], fetch(name), src)
    if run.returncode not in (0, 1):
        raise SystemExit(f"{name}: loopsafe failed: {run.stderr.strip()[-300:]}")
    found: list[dict[str, Any]] = json.loads(run.stdout)["findings"]
    return found


def score(name: str, src: Path | None, show: bool = False) -> Counter[str]:
    labels = json.loads((LABELS / f"{name}.json").read_text())
    by_line: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for finding in findings(name, src):
        by_line.setdefault((finding["path"], finding["line"]), []).append(finding)
    out: Counter[str] = Counter()
    seen: set[tuple[str, int]] = set()
    codes_on_line: dict[tuple[str, int], list[str]] = {}
    for label in labels:
        codes_on_line.setdefault((label["path"], label["line"]), []).append(label["code"])
    for label in labels:
        key = (label["path"], label["line"])
        seen.add(key)
        # Two sites on one line (`get_event_loop_policy().new_event_loop()`: a deprecated
        # call and a loop made): each label answers for the findings of its own code only
        # when another label of the line names the other code.
        others = set(codes_on_line[key]) - {label["code"]}
        here = [f for f in by_line.get(key, []) if f["code"] not in others]
        same = [f for f in here if f["code"] == label["code"]] or here
        alarm = any(f["action"] in ACTIONABLE for f in here)
        action = label["action"] if label["code"] != "none" else "ok"
        problem = ""
        if action in ACTIONABLE:
            out[f"{action} sites"] += 1
            out[f"{action} found"] += alarm
            if not alarm:
                problem = "missed"
        else:
            out["ok lines"] += 1
            out["false alarms"] += alarm
            if alarm:
                problem = "false alarm"
        if label["code"] != "none" and same:
            out["categorised"] += 1
            if same[0]["category"] == label["category"]:
                out["category right"] += 1
            elif not problem:
                problem = "category"
        if show and problem:
            got = ", ".join(f"{f['code']} {f['category']} {f['action']}" for f in here) or "nothing"
            print(
                f"  {problem:11} {key[0]}:{key[1]} labelled {label['code']} "
                f"{label.get('category', '')} {action}; got {got}\n              why: {label['why']}"
            )
    for key, here in sorted(by_line.items()):
        if key in seen or not any(f["action"] in ACTIONABLE for f in here):
            continue
        out["unlabelled"] += 1
        if show:
            for f in here:
                print(f"  unlabelled  {key[0]}:{key[1]} {f['code']} {f['category']} {f['action']}")
    return out


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f}%)" if whole else "-"


def row(name: str, c: Counter[str]) -> str:
    return (
        f"| {name} | {_pct(c['fix found'], c['fix sites'])} | "
        f"{_pct(c['review found'], c['review sites'])} | "
        f"{_pct(c['false alarms'], c['ok lines'])} | "
        f"{_pct(c['category right'], c['categorised'])} | {c['unlabelled']} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, help="src/ of another loopsafe checkout")
    parser.add_argument("--only", help="one project, listing every disagreement")
    args = parser.parse_args()
    names = [args.only] if args.only else list(PROJECTS)
    print(
        "| project | must-fix found | review found | false alarms | category right | unlabelled |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    total: Counter[str] = Counter()
    for name in names:
        counts = score(name, args.src, show=bool(args.only))
        total.update(counts)
        print(row(name, counts))
    if not args.only:
        print(row("**total**", total))


if __name__ == "__main__":
    main()
