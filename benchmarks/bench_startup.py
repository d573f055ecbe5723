"""Start-up and end-to-end time of the command line (issue 15 targets).

Run from the repository root::

    .venv/bin/python benchmarks/bench_startup.py [--runs 15] [--python .venv/bin/python]

Each command runs ``--runs`` times, each in a fresh interpreter (``python -m
thera_stats ...``, output discarded), and the minimum, median and maximum wall-clock
times are printed:

* ``thera-stats --version`` and ``--help`` (target: under 0.1 s; neither may import
  numpy, scipy or pandas, which is checked and printed);
* ``thera-stats analyze`` on the bundled trial, printing the memo (target: under 1 s
  end to end);
* the bare interpreter (``python -c pass``), the floor every command pays.

Then one ``-X importtime`` run of ``analyze`` splits its start-up by the top-level
packages it imports (self plus children, in ms), and the analysis itself is timed in
one process (first call and a repeat). Nothing is asserted: the figures go into the
issue note and ``benchmarks/README.md``. Use the interpreter of an environment made by
the README's first command (``pip install .``) to measure what a user waits for: a
development environment with pyarrow installed makes pandas import it (about 0.09 s).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from collections import defaultdict

COMMANDS = {
    "python -c pass": ["-c", "pass"],
    "thera-stats --version": ["-m", "thera_stats", "--version"],
    "thera-stats --help": ["-m", "thera_stats", "--help"],
    "thera-stats analyze": ["-m", "thera_stats", "analyze"],
}

HEAVY = ("numpy", "scipy", "pandas", "matplotlib", "statsmodels")


def wall_times(python: str, args: list[str], runs: int) -> list[float]:
    """Wall-clock seconds of ``runs`` fresh interpreter runs."""
    out = []
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([python, *args], check=True, stdout=subprocess.DEVNULL, env=env)
        out.append(time.perf_counter() - start)
    return out


def heavy_imports(python: str, args: list[str]) -> list[str]:
    """The heavy packages a command imports (from ``-X importtime``)."""
    err = subprocess.run([python, "-X", "importtime", *args], check=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True).stderr
    names = {line.rsplit("|", 1)[-1].strip().split(".")[0]
             for line in err.splitlines() if line.startswith("import time:")}
    return sorted(names & set(HEAVY))


def import_breakdown(python: str) -> dict[str, float]:
    """ms of cumulative import time by top-level package for ``analyze``."""
    err = subprocess.run([python, "-X", "importtime", "-m", "thera_stats", "analyze"],
                         check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         text=True).stderr
    by_package: dict[str, float] = defaultdict(float)
    for line in err.splitlines():
        if not line.startswith("import time:") or "imported package" in line:
            continue
        _, self_us, _cumulative, name = (part.strip() for part in
                                         line.replace("import time:", "|").split("|"))
        by_package[name.split(".")[0]] += float(self_us) / 1000.0
    return dict(sorted(by_package.items(), key=lambda item: -item[1]))


def analysis_in_process(python: str) -> str:
    """First and repeated ``analyze`` after the imports, timed inside one process."""
    code = (
        "import contextlib, io, time\n"
        "import numpy, pandas, scipy.special\n"
        "import thera_stats.analysis\n"
        "from thera_stats import cli\n"
        "t = []\n"
        "for _ in range(3):\n"
        "    s = time.perf_counter()\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        cli.main(['analyze'])\n"
        "    t.append(time.perf_counter() - s)\n"
        "print(f'first {t[0]:.3f} s, repeat {min(t[1:]):.3f} s')\n"
    )
    return subprocess.run([python, "-c", code], check=True, capture_output=True,
                          text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter of the environment to measure")
    args = parser.parse_args()
    version = subprocess.run([args.python, "-c", "import sys, thera_stats, numpy, scipy, pandas;"
                              "print(sys.version.split()[0], thera_stats.__version__,"
                              " numpy.__version__, scipy.__version__, pandas.__version__)"],
                             check=True, capture_output=True, text=True).stdout.split()
    print(f"{platform.machine()}, {os.cpu_count()} cores; Python {version[0]}, thera_stats "
          f"{version[1]}, numpy {version[2]}, scipy {version[3]}, pandas {version[4]}; "
          f"{args.runs} runs each")
    print(f"{'command':<24} {'min s':>7} {'median s':>9} {'max s':>7}  heavy imports")
    for name, cmd in COMMANDS.items():
        times = wall_times(args.python, cmd, args.runs)
        heavy = ", ".join(heavy_imports(args.python, cmd)) or "none"
        print(f"{name:<24} {min(times):7.3f} {statistics.median(times):9.3f} "
              f"{max(times):7.3f}  {heavy}")
    print("\nanalyze, import time by top-level package (ms, self time summed):")
    breakdown = import_breakdown(args.python)
    shown = list(breakdown.items())[:8]
    rest = sum(breakdown.values()) - sum(ms for _, ms in shown)
    print("  " + ", ".join(f"{name} {ms:.0f}" for name, ms in shown) + f", other {rest:.0f}; "
          f"total {sum(breakdown.values()):.0f}")
    print(f"analyze in one process after the imports: {analysis_in_process(args.python)}")


if __name__ == "__main__":
    main()
