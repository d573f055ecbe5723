"""Fail when a page of the built site would load anything from the network.

Usage: ``python docs/check_offline.py docs/_build/html`` (docs/build.sh runs it).

Every HTML page is parsed (so code examples that merely show a URL are not loads) for
scripts, style sheets, icons, images, frames and media whose address names another host
(``http:``, ``https:`` or ``//``), and for ``url()`` and ``@import`` in ``<style>`` elements
and ``style`` attributes; every CSS file of the site is searched for ``url()`` and
``@import`` of another host. Hyperlinks (``<a href>``) load nothing and are allowed.
Exits 1 and lists each load with its file, or prints a one-line summary.
"""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser
from pathlib import Path

REMOTE = re.compile(r"^\s*(https?:|//)", re.IGNORECASE)
CSS_LOAD = re.compile(
    r"""@import\s+(?:url\()?\s*["']?([^"')\s;]+)|url\(\s*["']?([^"')\s]+)""", re.IGNORECASE)
#: Attributes through which an element loads a resource.
LOADS = {"script": ("src",), "img": ("src", "srcset"), "iframe": ("src",), "frame": ("src",),
         "source": ("src", "srcset"), "embed": ("src",), "audio": ("src",),
         "video": ("src", "poster"), "track": ("src",), "object": ("data",), "input": ("src",)}
#: <link rel=...> values that load something (rel="canonical" or "next" only name a page).
LINK_LOADS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "preload", "prefetch",
              "modulepreload", "manifest", "mask-icon"}


def css_loads(text: str) -> list[str]:
    """Addresses of other hosts that a style sheet imports or uses."""
    found = [a or b for a, b in CSS_LOAD.findall(text)]
    return [url for url in found if REMOTE.match(url)]


class _Loads(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): v or "" for k, v in attrs}
        names = list(LOADS.get(tag, ()))
        if tag == "link" and LINK_LOADS & set(a.get("rel", "").lower().split()):
            names.append("href")
        for name in names:
            for url in a.get(name, "").split(","):
                if REMOTE.match(url):
                    self.found.append(f"<{tag} {name}> {url.strip().split()[0]}")
        self.found.extend(f"style attribute {url}" for url in css_loads(a.get("style", "")))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.found.extend(f"<style> {url}" for url in css_loads(data))


def page_loads(html: str) -> list[str]:
    """Every load from another host in one HTML page."""
    parser = _Loads()
    parser.feed(html)
    parser.close()
    return parser.found


def main(site: Path) -> int:
    problems = []
    pages = sorted(site.rglob("*.html"))
    for path in pages:
        problems += [f"{path}: {load}" for load in page_loads(path.read_text("utf-8"))]
    for path in sorted(site.rglob("*.css")):
        problems += [f"{path}: {url}" for url in css_loads(path.read_text("utf-8", "replace"))]
    if problems:
        print("docs: pages load resources from the network (they must work offline):",
              file=sys.stderr)
        print("\n".join(problems[:30]), file=sys.stderr)
        return 1
    print(f"docs: {len(pages)} pages load nothing from the network")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
