"""The built book, read page by page in a real browser.

The HTML from the session's ``built_book`` is served on 127.0.0.1 by a
small HTTP server in a thread (search and some fetches do not work from
``file://``) and opened in Debian's Chromium, driven by Playwright. One
browser and one tab serve the whole module. Each page of the book is read
once, as a reader would, and these are checked:

- it loads with no console error, no uncaught script error, no failed
  request, and no request to any host but the local server (such requests
  are blocked, never sent);
- its equations are typeset by MathJax (no raw ``$$``, ``\\(`` or other
  TeX left in the text outside code, no MathJax error), and a chapter whose
  source has maths shows typeset maths;
- every image has loaded and has alt text of its own (not the file name
  that docutils puts in when a figure has none);
- every link inside the book points to a page that exists, and to an
  anchor that exists on that page;
- the search page finds "Landauer", with results on the pages that have it
  in a heading;
- every exercise solution starts folded, unfolds on a click and folds again.

A full-page screenshot of every chapter (every page in ``_toc.yml``) is
saved to ``book/_build/screenshots/`` for a person to look at; the folder is
printed at the end of the run.

When the browser is missing
---------------------------
The tests need ``/usr/bin/chromium`` (or ``chromium`` on PATH); ``make
test`` installs it first through ``.ci/install-browser`` when it runs as
root. When that script cannot install it, it writes the reason to
``.browser-unavailable`` at the repository root. The rule is then:

- chromium found: the tests run; they never skip.
- not found, outside CI: the tests skip with a warning, and the end of the
  run says in capitals that the browser tests did not run.
- not found, under ``CI=true``: the tests fail, unless
  ``.browser-unavailable`` exists, in which case they skip as above and show
  its reason. CI therefore cannot lose these tests silently.

Playwright's own browser download is never used.

Limitations
-----------
Links to other hosts are allowed on a page but not followed (the tests run
offline). Chapters are the ``file`` entries of the table of contents;
``glob`` and ``url`` entries would need adding to ``_toc_files``. Console
warnings are not failures, only errors.
"""

import functools
import http.server
import os
import re
import shutil
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from matplotlib import image as mpimg
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect, sync_playwright

pytestmark = pytest.mark.slow

SYSTEM_CHROMIUM = Path("/usr/bin/chromium")
UNAVAILABLE_MARKER = ".browser-unavailable"

# Without these, Chromium running as root in a container refuses to start or
# reaches out to Google services on its own.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 30_000

# TeX a reader should never see as source text: display-maths dollars, maths
# delimiters, commands, accents (a BibTeX accent the decoder did not know),
# and inline maths with a sub- or superscript still between its dollars.
# Code blocks are taken out of the text before these are looked for.
_RAW_TEX = re.compile(
    r"\$\$|\\[(\[]|\\[A-Za-z]+|\\['`^\"~=.]|\$[^$\s][^$\n]*?[_^][^$\n]*?\$"
)
# Maths in a chapter's MyST source, once code is taken out.
_SOURCE_MATH = re.compile(
    r"\$\$|\{math\}|\\begin\{|(?<![\\$])\$(?=\S)[^$\n]+?(?<=\S)\$",
)
_FENCED = re.compile(r"^[ \t]*(`{3,}|~{3,}).*?^[ \t]*\1[ \t]*$", re.M | re.S)
_INLINE_CODE = re.compile(r"`[^`\n]+`")
# docutils uses the image's path as alt text when a figure has none.
_PATH_LIKE_ALT = re.compile(r"(^|/)_images/|\.(png|jpe?g|gif|svg|webp)$", re.I)
_META_REFRESH = re.compile(
    r"""<meta\s+http-equiv=["']refresh["'][^>]*url=([^"'>]+)""", re.I
)
_HTML_ID = re.compile(r"""\b(?:id|name)=["']([^"']+)["']""")

# Everything the checks need from one page, in one round trip.
_PAGE_FACTS_JS = """
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const images = [...document.images];
  for (const image of images) image.loading = "eager";
  await Promise.all(images.map((image) => image.decode().catch(() => null)));

  const copy = document.body.cloneNode(true);
  copy.querySelectorAll(
    "pre, code, script, style, noscript, template, textarea, mjx-container"
  ).forEach((node) => node.remove());
  const maths = [...document.querySelectorAll(".math")];
  const article = document.querySelector("article") || document.body;
  return {
    text: copy.textContent,
    maths: maths.length,
    typeset: document.querySelectorAll("mjx-container").length,
    untypeset: maths
      .filter((node) => !node.querySelector("mjx-container"))
      .map((node) => node.textContent.trim().slice(0, 80)),
    mathErrors: [...document.querySelectorAll("mjx-merror")]
      .map((node) => node.textContent.trim().slice(0, 80)),
    images: images.map((image) => ({
      src: image.currentSrc || image.src,
      width: image.naturalWidth,
      alt: (image.getAttribute("alt") || "").trim(),
    })),
    links: [...document.querySelectorAll("a[href]")].map((a) => a.href),
    ids: [...document.querySelectorAll("[id]")].map((node) => node.id)
      .concat([...document.querySelectorAll("a[name]")].map((a) => a.name)),
    preconnects: [...document.querySelectorAll(
      "link[rel~='preconnect'], link[rel~='dns-prefetch']"
    )].map((link) => link.href),
    headings: [...article.querySelectorAll("h1, h2, h3, h4, h5, h6")]
      .map((node) => node.textContent.trim()),
    solutions: document.querySelectorAll(".solution").length,
  };
}
"""


def _find_chromium() -> Path | None:
    on_path = shutil.which("chromium")
    for candidate in (SYSTEM_CHROMIUM, Path(on_path) if on_path else None):
        if candidate and candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def _without_browser(ci: bool, reported: str) -> tuple[str, str]:
    """Fail or skip when no chromium is found, and the message to give.

    ``reported`` is what ``.ci/install-browser`` wrote to
    ``.browser-unavailable`` (empty when it wrote nothing).
    """
    if ci and not reported:
        return "fail", (
            f"chromium is missing ({SYSTEM_CHROMIUM}, PATH) under CI=true, and "
            f".ci/install-browser did not report that it could not install it "
            f"({UNAVAILABLE_MARKER} is absent): run `make browser` as root first"
        )
    return "skip", (
        f"BROWSER TESTS NOT RUN: no chromium at {SYSTEM_CHROMIUM} or on PATH"
        f" ({reported or 'run `make browser` as root to install it'})"
    )


def _screenshot(folder: Path, path: str) -> Path:
    return folder / f"{path.removesuffix('.html').replace('/', '-')}.png"


def _toc_files(toc: dict) -> list[str]:
    """Every ``file`` named in a Jupyter Book table of contents, root first."""
    found = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({key: value for key, value in toc.items() if key != "root"})
    return found


def _without_code(markdown: str) -> str:
    return _INLINE_CODE.sub("", _FENCED.sub("", markdown))


def _ids_on_disk(page: Path) -> set[str]:
    return set(_HTML_ID.findall(page.read_text(encoding="utf-8", errors="replace")))


@dataclass
class Visit:
    """What one page showed and what went wrong while it was read."""

    path: str
    problems: list[str]
    facts: dict = field(default_factory=dict)


class Reader:
    """One browser tab that notes everything that goes wrong on a page.

    Every request the page makes is intercepted: those for the local book
    server go through, all others are blocked and noted.
    """

    def __init__(self, browser, origin: str):
        self.origin = origin
        self.problems: list[str] = []
        self.context = browser.new_context(viewport=VIEWPORT, service_workers="block")
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self._note(f"uncaught error: {error}"))
        self.page.on("response", self._response)
        self.page.on("requestfailed", self._request_failed)
        self.page.on("websocket", lambda ws: self._note(f"websocket opened: {ws.url}"))
        self._blocked: set[str] = set()

    def _note(self, problem: str) -> None:
        if problem not in self.problems:
            self.problems.append(problem)

    def is_local(self, url: str) -> bool:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}/" == self.origin

    def _route(self, route):
        url = route.request.url
        if self.is_local(url):
            route.continue_()
        else:
            self._blocked.add(url)
            self._note(f"request to another host (blocked): {url}")
            route.abort("blockedbyclient")

    def _console(self, message):
        if message.type in ("error", "assert"):
            where = message.location.get("url", "")
            self._note(f"console {message.type}: {message.text} ({where})")

    def _response(self, response):
        if response.status >= 400:
            self._note(f"HTTP {response.status} for {response.url}")

    def _request_failed(self, request):
        if request.url not in self._blocked:
            self._note(f"request failed: {request.url} ({request.failure})")

    def open(self, path: str) -> list[str]:
        """Load a page of the book, wait until it has settled, return problems."""
        self.problems = []
        response = self.page.goto(self.origin + path, wait_until="networkidle")
        if response is None or not response.ok:
            status = response.status if response else "no response"
            self._note(f"the page itself did not load ({status})")
        return self.problems

    def facts(self) -> dict:
        return self.page.evaluate(_PAGE_FACTS_JS)

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="session")
def chromium(repo) -> Path:
    """The system Chromium, or a skip (or, in CI, a failure) that says why."""
    found = _find_chromium()
    if found is not None:
        return found
    marker = repo / UNAVAILABLE_MARKER
    reported = marker.read_text(encoding="utf-8").strip() if marker.is_file() else ""
    verdict, message = _without_browser(
        os.environ.get("CI", "").lower() == "true", reported
    )
    if verdict == "fail":
        pytest.fail(message, pytrace=False)
    warnings.warn(message, pytest.PytestWarning, stacklevel=1)
    pytest.skip(message)


@pytest.fixture(scope="session")
def book_url(built_book):
    """The built book served on 127.0.0.1 from a thread, as a base URL."""

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format, *args):
            pass

    handler = functools.partial(QuietHandler, directory=str(built_book))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def reader(chromium, book_url):
    """One headless Chromium and one tab for every browser test."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True
        )
        tab = Reader(browser, book_url)
        yield tab
        tab.close()
        browser.close()


@pytest.fixture(scope="session")
def chapters(built_book) -> list[str]:
    """The HTML path of every page in the table of contents, in toc order."""
    source = built_book.parents[2]
    toc = yaml.safe_load((source / "book" / "_toc.yml").read_text(encoding="utf-8"))
    pages = [f"{Path(name).with_suffix('')}.html" for name in _toc_files(toc)]
    missing = [page for page in pages if not (built_book / page).is_file()]
    assert not missing, f"pages in _toc.yml that were not built: {missing}"
    return pages


@pytest.fixture(scope="session")
def site_pages(built_book) -> list[str]:
    """Every HTML page of the book, outside Sphinx's own ``_`` folders."""
    pages = [
        page.relative_to(built_book).as_posix()
        for page in sorted(built_book.rglob("*.html"))
        if not any(
            part.startswith("_") or part == "reports"
            for part in page.relative_to(built_book).parts[:-1]
        )
    ]
    assert pages, f"no HTML pages in {built_book}"
    return pages


@pytest.fixture(scope="session")
def screenshot_dir(repo) -> Path:
    folder = repo / "book" / "_build" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    return folder


@pytest.fixture(scope="session")
def tour(reader, built_book, site_pages, chapters, screenshot_dir) -> dict:
    """Read every page once; screenshot every chapter. Keyed by HTML path."""
    visits = {}
    for path in site_pages:
        html = (built_book / path).read_text(encoding="utf-8", errors="replace")
        redirect = _META_REFRESH.search(html)
        if redirect:
            # A redirect page: reading it means reading its target, which
            # is visited on its own; only the target's existence is checked.
            target = (Path(path).parent / redirect.group(1).strip()).as_posix()
            facts = {"links": [reader.origin + target], "redirect": True}
            visits[path] = Visit(path, [], facts)
            continue
        reader.open(path)
        try:
            facts = reader.facts()
        except PlaywrightError as error:
            reader.problems.append(f"could not inspect the page: {error}")
            facts = {}
        if path in chapters:
            reader.page.screenshot(
                path=_screenshot(screenshot_dir, path), full_page=True
            )
        problems = list(reader.problems) + [
            f"preconnect to another host: {url}"
            for url in facts.get("preconnects", [])
            if not reader.is_local(url)
        ]
        visits[path] = Visit(path, problems, facts)
    return visits


def _read_pages(tour) -> list[Visit]:
    return [visit for visit in tour.values() if not visit.facts.get("redirect")]


def test_pages_load_cleanly_and_fetch_only_from_the_book(tour):
    failures = {visit.path: visit.problems for visit in tour.values() if visit.problems}
    assert len(_read_pages(tour)) >= 2
    assert not failures, "\n".join(
        f"{path}:\n  " + "\n  ".join(problems) for path, problems in failures.items()
    )


def test_equations_are_typeset(tour, chapters, built_book):
    source = built_book.parents[2]
    failures = []
    for visit in _read_pages(tour):
        facts = visit.facts
        for raw in _RAW_TEX.finditer(facts["text"]):
            start = max(raw.start() - 40, 0)
            snippet = " ".join(facts["text"][start : raw.end() + 40].split())
            failures.append(
                f"{visit.path}: raw TeX {raw.group()!r} in the text: ...{snippet}..."
            )
        failures += [f"{visit.path}: not typeset: {m}" for m in facts["untypeset"]]
        failures += [f"{visit.path}: MathJax error: {m}" for m in facts["mathErrors"]]
    typeset_chapters = 0
    for path in chapters:
        stem = source / path.removesuffix(".html")
        sources = [
            stem.with_suffix(s)
            for s in (".md", ".ipynb")
            if stem.with_suffix(s).is_file()
        ]
        has_math = any(
            _SOURCE_MATH.search(_without_code(s.read_text(encoding="utf-8")))
            for s in sources
        )
        typeset = tour[path].facts["typeset"]
        typeset_chapters += typeset > 0
        if has_math and not typeset:
            failures.append(
                f"{path}: its source has maths, the page shows none typeset"
            )
    assert typeset_chapters, "no chapter shows any typeset equation"
    assert not failures, "\n".join(failures)


def test_images_load_and_have_alt_text(tour):
    failures = []
    images = 0
    for visit in _read_pages(tour):
        for image in visit.facts["images"]:
            images += 1
            if image["width"] <= 0:
                failures.append(f"{visit.path}: image did not load: {image['src']}")
            if not image["alt"] or _PATH_LIKE_ALT.search(image["alt"]):
                failures.append(
                    f"{visit.path}: no alt text ({image['alt']!r}) on {image['src']}"
                )
    assert images, "the book shows no image at all"
    assert not failures, "\n".join(failures)


def test_internal_links_resolve(tour, reader, built_book):
    ids = {visit.path: set(visit.facts.get("ids", [])) for visit in _read_pages(tour)}
    broken = set()
    checked = 0
    for visit in tour.values():
        for href in visit.facts.get("links", []):
            parts = urlsplit(href)
            if parts.scheme in ("mailto", "tel", "javascript", "data"):
                continue
            if parts.scheme == "file":
                broken.add(f"{visit.path}: link to a local file: {href}")
                continue
            if not reader.is_local(href):
                if parts.hostname in ("127.0.0.1", "localhost"):
                    broken.add(f"{visit.path}: link to another local server: {href}")
                continue
            checked += 1
            target = unquote(parts.path).lstrip("/")
            if target == "" or target.endswith("/"):
                target += "index.html"
            page = built_book / target
            if not page.is_file():
                broken.add(f"{visit.path}: no such page: {href}")
                continue
            fragment = unquote(parts.fragment)
            if fragment and page.suffix == ".html":
                anchors = ids[target] if target in ids else _ids_on_disk(page)
                if fragment not in anchors:
                    broken.add(f"{visit.path}: no anchor #{fragment} on {target}")
    assert checked, "no internal link found on any page"
    assert not broken, "\n".join(sorted(broken))


def test_search_finds_landauer(reader, tour, chapters):
    problems = reader.open("search.html?q=Landauer")
    results = reader.page.locator("#search-results ul.search li")
    try:
        results.first.wait_for(state="attached", timeout=15_000)
    except PlaywrightError:
        summary = reader.page.locator("#search-results").inner_text()
        pytest.fail(f"searching for Landauer found nothing: {summary!r}")
    found = reader.page.eval_on_selector_all(
        "#search-results ul.search li > a", "links => links.map(a => a.href)"
    )
    pages = {urlsplit(href).path.lstrip("/") for href in found}
    highlighted = reader.page.eval_on_selector_all(
        "#search-results .highlighted", "spans => spans.map(s => s.textContent)"
    )
    expected = {
        path
        for path in chapters
        if any("landauer" in h.lower() for h in tour[path].facts["headings"])
    }
    assert not problems, "\n".join(problems)
    assert pages <= set(tour), f"results point outside the book: {pages - set(tour)}"
    assert expected <= pages, (
        f"pages with Landauer in a heading not found: {expected - pages}"
    )
    assert any(word.lower() == "landauer" for word in highlighted), highlighted


def test_solutions_fold_and_unfold(reader, tour, chapters):
    with_solutions = [path for path in chapters if tour[path].facts["solutions"]]
    assert with_solutions, "no chapter has an exercise solution"
    failures = []
    for path in with_solutions:
        reader.open(path)
        solutions = reader.page.locator(".solution")
        for index in range(solutions.count()):
            solution = solutions.nth(index)
            label = f"{path}: solution {index + 1}"
            classes = (solution.get_attribute("class") or "").split()
            if "dropdown" not in classes:
                failures.append(f"{label} is not folded (no :class: dropdown)")
                continue
            # A reader clicks the title bar; its middle is clear of the link
            # to the exercise.
            title = solution.locator(":scope > .admonition-title")
            content = solution.locator(":scope > :not(.admonition-title)").first
            button = title.locator(".toggle-button")
            try:
                expect(content).to_be_hidden(timeout=5_000)
                title.click()
                expect(content).to_be_visible(timeout=5_000)
                expect(button).to_have_attribute("aria-expanded", "true")
                title.click()
                expect(content).to_be_hidden(timeout=5_000)
                expect(button).to_have_attribute("aria-expanded", "false")
            except (AssertionError, PlaywrightError) as error:
                failures.append(f"{label} does not fold and unfold: {error}")
        failures += [f"{path}: {p}" for p in reader.problems]
    assert not failures, "\n".join(failures)


def test_every_chapter_has_a_screenshot(
    tour, chapters, screenshot_dir, record_property
):
    shots = [_screenshot(screenshot_dir, path) for path in chapters]
    record_property(
        "summary", f"browser screenshots of {len(shots)} chapters: {screenshot_dir}"
    )
    missing = [str(shot) for shot in shots if not shot.is_file()]
    assert not missing, f"screenshots not written: {missing}"
    for shot in shots:
        pixels = mpimg.imread(shot)[..., :3]
        assert pixels.shape[1] == VIEWPORT["width"], (shot, pixels.shape)
        assert pixels.max() - pixels.min() > 0.25, f"{shot} is blank"


@pytest.mark.parametrize(
    ("ci", "reported", "verdict"),
    [
        (False, "", "skip"),
        (True, "", "fail"),
        (True, "apt-get could not install chromium", "skip"),
    ],
)
def test_a_missing_browser_fails_in_ci_unless_it_could_not_be_installed(
    ci, reported, verdict
):
    decided, message = _without_browser(ci, reported)
    assert decided == verdict
    assert "chromium" in message
    if decided == "skip":
        assert message.startswith("BROWSER TESTS NOT RUN")
        assert reported in message
