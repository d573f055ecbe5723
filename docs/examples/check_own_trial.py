"""Run every command of docs/own_trial.md in an empty folder and compare with the page.

Usage, from the repository root, with thera-stats on PATH (or the project's .venv)::

    python docs/examples/check_own_trial.py [--keep DIR]

Each ```console block of the page is a sequence of ``$ command`` lines, each followed by
the output it printed. The commands run in order in a new temporary folder (in which
``docs`` links to this repository's docs, so ``python docs/examples/...`` works); every
output line the page shows must appear in the real output, in the same order (a line
``...`` on the page stands for lines left out), and a command may fail only where the
page shows the failure (an error message, or ``echo $?`` next). Exits 1 and lists the differences when
the page and the package disagree. The whole page takes a few minutes (it analyses five
trials and renders two reports).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1]
PAGE = DOCS / "own_trial.md"
CONSOLE = re.compile(r"^```console\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks(text: str) -> list[list[tuple[str, list[str]]]]:
    """Each console block as a list of (command, shown output lines)."""
    result = []
    for body in CONSOLE.findall(text):
        steps: list[tuple[str, list[str]]] = []
        for line in body.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            elif steps:
                steps[-1][1].append(line)
        result.append(steps)
    return result


def missing_lines(shown: list[str], actual: list[str]) -> list[str]:
    """Lines of ``shown`` not found, in order, in ``actual`` (``...`` skips any lines)."""
    wanted = [line.rstrip() for line in shown if line.strip() not in ("", "...")]
    got = [line.rstrip() for line in actual]
    missing, start = [], 0
    for line in wanted:
        try:
            start = got.index(line, start) + 1
        except ValueError:
            missing.append(line)
    return missing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="run in this (new) folder and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="own_trial_"))
    work.mkdir(parents=True, exist_ok=True)
    (work / "docs").symlink_to(DOCS)
    env = dict(os.environ, COLUMNS="100", NO_COLOR="1")
    venv = DOCS.parent / ".venv" / "bin"
    if venv.is_dir():
        env["PATH"] = f"{venv}{os.pathsep}{env['PATH']}"
    failures = 0
    last_rc = 0
    try:
        for steps in blocks(PAGE.read_text(encoding="utf-8")):
            for k, (command, shown) in enumerate(steps):
                if command == "echo $?":
                    out = f"{last_rc}\n"
                else:
                    # One stream, in the order printed, as on a terminal.
                    run = subprocess.run(["bash", "-c", command], cwd=work, env=env,
                                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                         text=True, check=False)
                    out, last_rc = run.stdout, run.returncode
                missing = missing_lines(shown, out.splitlines())
                # A command may fail only where the page shows the failure (an error message,
                # or its exit status on the next line).
                shows_failure = any("error" in line.lower() for line in shown) or (
                    k + 1 < len(steps) and steps[k + 1][0] == "echo $?")
                if command != "echo $?" and last_rc != 0 and not shows_failure:
                    missing.append(f"(exit status {last_rc}, not shown on the page)")
                status = "ok" if not missing else "DIFFERS"
                print(f"[{status}] $ {command}")
                if missing:
                    failures += 1
                    print("  shown on the page but not printed:")
                    for line in missing:
                        print(f"    {line}")
                    print("  printed:")
                    for line in out.splitlines()[:40]:
                        print(f"    {line}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{failures} command(s) whose output differs from docs/own_trial.md")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
