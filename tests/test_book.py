"""The book builds from scratch, strictly, and needs nothing from the network."""

import re
from html.parser import HTMLParser
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.slow

# Attributes through which a page makes the browser fetch something.
_FETCHING = {
    "script": ("src",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "iframe": ("src",),
    "audio": ("src",),
    "video": ("src", "poster"),
    "embed": ("src",),
    "object": ("data",),
}
_FETCHING_LINK_RELS = {
    "stylesheet",
    "icon",
    "preload",
    "prefetch",
    "modulepreload",
    "manifest",
    "apple-touch-icon",
    "shortcut",
}
_CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])([^'")\s]+)""")


def _is_remote(url: str) -> bool:
    url = url.strip()
    return bool(urlparse(url).netloc) or url.startswith("//")


class _FetchCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        names = _FETCHING.get(tag, ())
        if tag == "link":
            rels = set((attrs.get("rel") or "").lower().split())
            if rels & _FETCHING_LINK_RELS:
                names = ("href",)
        for name in names:
            value = attrs.get(name)
            if value:
                self.urls += [
                    part.split()[0] for part in value.split(",") if part.strip()
                ]
        style = attrs.get("style")
        if style:
            self.urls += _CSS_URL.findall(style)


def test_book_builds_and_has_every_chapter(built_book, repo):
    assert (built_book / "index.html").is_file()
    assert (built_book / "book" / "intro.html").is_file()
    for chapter in sorted((repo / "notebooks").glob("*.md")):
        assert (built_book / "notebooks" / f"{chapter.stem}.html").is_file(), chapter


def test_no_page_fetches_from_another_host(built_book):
    remote = []
    pages = sorted(built_book.rglob("*.html"))
    assert pages
    for page in pages:
        collector = _FetchCollector()
        collector.feed(page.read_text(encoding="utf-8", errors="replace"))
        remote += [(page.name, url) for url in collector.urls if _is_remote(url)]
    for sheet in sorted(built_book.rglob("*.css")):
        text = sheet.read_text(encoding="utf-8", errors="replace")
        remote += [
            (sheet.name, url) for url in _CSS_URL.findall(text) if _is_remote(url)
        ]
    assert remote == []


def test_mathjax_is_served_from_the_book(built_book):
    page = (built_book / "notebooks" / "bounds.html").read_text(encoding="utf-8")
    sources = re.findall(r'<script[^>]+src="([^"]*mathjax[^"]*)"', page, flags=re.I)
    assert sources, "no MathJax script on the bounds chapter"
    for src in sources:
        assert not _is_remote(src)
        assert (built_book / "notebooks" / src.split("?")[0]).resolve().is_file(), src


def test_chapters_show_their_executed_figures(built_book):
    page = (built_book / "notebooks" / "bounds.html").read_text(encoding="utf-8")
    assert 'id="fig-update-energy-time"' in page
    assert re.search(r'<img[^>]+src="[^"]+\.png"', page)


def test_pages_name_no_live_kernel_service(built_book):
    for page in sorted(built_book.rglob("*.html")):
        text = page.read_text(encoding="utf-8", errors="replace").lower()
        for marker in ("unpkg.com", "thebe_js_url", "binderoptions", "mybinder"):
            assert marker not in text, (page.name, marker)


def test_survey_chapter_shows_every_figure_it_declares(built_book, repo):
    source = (repo / "notebooks" / "survey.md").read_text(encoding="utf-8")
    declared = re.findall(r"^:\s+name: (fig-[\w-]+)", source, flags=re.M)
    assert len(declared) >= 6
    page = (built_book / "notebooks" / "survey.html").read_text(encoding="utf-8")
    for name in declared:
        assert f'id="{name}"' in page, name
    assert len(re.findall(r'<img[^>]+src="[^"]+\.png"', page)) >= len(declared)
    assert "Hong et al. 2025" in page
