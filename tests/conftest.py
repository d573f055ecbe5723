import os

from hypothesis import HealthCheck, settings

# Deterministic property tests: same examples every run, no example database.
settings.register_profile(
    "deterministic",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=200,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))


def require_tool(*names: str) -> str:
    """The path of the first of ``names`` on PATH; skip the test when none is.

    CI installs the tools (``.ci/run`` sets ``THERA_STATS_REQUIRE_TOOLS=1``), and
    there a missing tool fails the test instead of skipping it.
    """
    import shutil

    import pytest

    for name in names:
        path = shutil.which(name)
        if path:
            return path
    message = f"none of {', '.join(names)} is installed"
    if os.environ.get("THERA_STATS_REQUIRE_TOOLS") == "1":
        pytest.fail(message + " (THERA_STATS_REQUIRE_TOOLS=1)")
    pytest.skip(message)
