"""The command line on a terminal whose encoding has no minus sign or >= (issue 14)."""

import os
import subprocess
import sys


def test_memo_prints_on_an_ascii_terminal() -> None:
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "PYTHONUTF8": "0"}
    run = subprocess.run([sys.executable, "-m", "thera_stats", "analyze"], env=env,
                         capture_output=True, check=False)
    assert run.returncode == 0, run.stderr.decode("ascii", "replace")
    out = run.stdout.decode("ascii")
    assert "GO" in out.upper()
    assert "Traceback" not in run.stderr.decode("ascii", "replace")
