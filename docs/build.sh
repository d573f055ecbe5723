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
# Links (<a href>) to other sites are fine: they load nothing by themselves.
external=$(grep -rnoE --include='*.html' --include='*.css' \
    -e '<(script|img|iframe|source|embed)[^>]*[[:space:]]src=["'"'"']?(https?:)?//[^"'"'"' >]*' \
    -e '<link[^>]*[[:space:]]href=["'"'"']?(https?:)?//[^"'"'"' >]*' \
    -e '@import[[:space:]]+(url\()?["'"'"']?(https?:)?//[^"'"'"' )]*' \
    -e 'url\(["'"'"']?(https?:)?//[^"'"'"' )]*' \
    "$out" || true)
if [ -n "$external" ]; then
    echo "docs: pages load resources from the network (they must work offline):" >&2
    echo "$external" | head -20 >&2
    exit 1
fi
echo "docs: built $out/index.html (no external scripts, style sheets or fonts)"
