#!/usr/bin/env bash
# Build the documentation site, failing on any warning.
#
# Run from anywhere, with the Python of an environment where thera_stats and its
# docs extra are installed (pip install -e '.[docs]'): the active one, or PYTHON=...
# Extra arguments go to sphinx-build (for example -j auto).
# Environment:
#   THERA_DOCS_STRICT=1         every page still missing (module, methods page, notebook) fails the build
#   THERA_DOCS_NB_EXECUTION=off skip executing the notebooks (default: force, execute at every build)
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/_build/html
# -E: a fresh environment every time. An incremental build would re-read only the
# changed pages, so warnings of the others would not be seen again (and notebooks
# would not be re-executed).
# The project's own environment when there is one, so a plain `bash docs/build.sh` works.
default_python=python3
[ -x .venv/bin/python ] && default_python=.venv/bin/python
"${PYTHON:-$default_python}" -m sphinx -E -W --keep-going -b html "$@" docs "$out"

# The site must work with the network off: no page may load a script, style sheet, font,
# image or frame from another host (MathJax is bundled by sphinx-mathjax-offline).
"${PYTHON:-$default_python}" docs/check_offline.py "$out"
echo "docs: built $out/index.html"
