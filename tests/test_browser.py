"""The HTML scorecard in a real headless Chromium (Debian's ``chromium``, driven by Playwright).

Every request the page makes is observed and routed: only the ``file://`` page itself may
load. The cards of a strong, a weak and a hostile repository must render with no console
error, show their key elements, fit a phone's width, follow the colour scheme, print, and
never run a script or open a dialog. Screenshots land in ``build/screenshots/`` for a person
to look at.

Locally, a missing browser skips these tests with the reason; in CI (``CI`` set) it fails them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from auditor.engine import audit
from auditor.model import Scorecard
from auditor.render.html import render_html
from auditor.rulepack import load_pack
from auditor.source.snapshot import Snapshot
from tests.hostile import HOSTILE_REMOTE, MARKERS, REPO_NAME, SCRIPT, build_hostile_project
from tests.projects import build_strong_project, build_weak_project

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Route

# Debian's chromium by default; AUDITOR_CHROMIUM names another Chromium build (on GitHub's
# Ubuntu runners, where chromium is a snap stub, .ci/run points it at google-chrome).
CHROMIUM = Path(os.environ.get("AUDITOR_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "build" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        unavailable(f"no browser at {CHROMIUM} (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Visit:
    """A page loaded from a file, with everything it tried to do."""

    page: Page
    url: str
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def assert_quiet(self) -> None:
        assert self.requests == [self.url], self.requests
        assert self.blocked == []
        assert self.console_errors == []
        assert self.dialogs == []


def visit(
    browser: Browser,
    document: Path,
    *,
    viewport: dict[str, int] = DESKTOP,
    color_scheme: Any = "light",
    bypass_csp: bool = False,
) -> Visit:
    context = browser.new_context(
        viewport=viewport,  # type: ignore[arg-type]
        color_scheme=color_scheme,
        bypass_csp=bypass_csp,
        java_script_enabled=True,  # so that an injected script *would* run
    )
    page = context.new_page()
    seen = Visit(page=page, url=document.resolve().as_uri())

    def route(route: Route) -> None:
        if route.request.url == seen.url:
            route.continue_()
        else:
            seen.blocked.append(route.request.url)
            route.abort()

    def on_dialog(dialog: Any) -> None:
        seen.dialogs.append(dialog.message)
        dialog.dismiss()

    context.route("**/*", route)
    page.on("request", lambda request: seen.requests.append(request.url))
    page.on("console", lambda m: seen.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: seen.console_errors.append(str(error)))
    page.on("dialog", on_dialog)
    page.goto(seen.url)
    page.wait_for_load_state("networkidle")
    return seen


def card_for(path: Path) -> Scorecard:
    return audit(Snapshot.open(path), load_pack())


def write_card(card: Scorecard, path: Path) -> Path:
    path.write_text(render_html(card), encoding="utf-8")
    return path


def screenshot(seen: Visit, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    seen.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def cards(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Scorecard, Path]]:
    folder = tmp_path_factory.mktemp("cards")
    strong = build_strong_project(folder / "ledgerline")
    strong.git("remote", "add", "origin", "https://github.com/ada/ledgerline.git")
    weak = build_weak_project(folder / "calculator")
    result = {}
    for name, repo in (("strong", strong), ("weak", weak)):
        card = card_for(repo.path)
        result[name] = (card, write_card(card, folder / f"{name}.html"))
    return result


@pytest.mark.parametrize(("name", "grade"), [("strong", "A"), ("weak", "F")])
def test_card_renders_offline_with_its_key_elements_visible(
    browser: Browser, cards: dict[str, tuple[Scorecard, Path]], name: str, grade: str
) -> None:
    card, document = cards[name]

    seen = visit(browser, document)
    page = seen.page

    seen.assert_quiet()
    score = page.get_by_test_id("score")
    assert score.is_visible()
    assert score.inner_text().split()[0] == f"{card.score:.1f}"
    assert page.get_by_test_id("grade").inner_text() == f"Grade {grade}"
    assert page.get_by_role(
        "img", name=re.compile(rf"^Overall score .* grade {grade}$")
    ).is_visible()
    charts = page.get_by_test_id("category-chart")
    assert charts.count() == len(card.categories)
    for category in card.categories:
        chart = page.get_by_role("img", name=re.compile(rf"^{re.escape(category.title)}: "))
        assert chart.is_visible(), category.title
        assert chart.bounding_box()["width"] >= 48  # type: ignore[index]
    steps = page.get_by_test_id("next-steps").locator("li")
    assert steps.count() == min(5, len(card.next_steps))
    for index in range(steps.count()):
        assert steps.nth(index).is_visible()
    if card.next_steps:
        first = card.next_steps[0].finding
        page.get_by_role("link", name=first.title).first.click()
        assert page.evaluate("location.hash") == f"#rule-{first.rule}"
    else:  # a small strong project: its size bounds the score, and the card says so
        said = page.get_by_test_id("next-steps").inner_text()
        assert said.startswith("No single fix raises the score") and "lines of code" in said
    screenshot(seen, f"{name}-desktop")
    seen.page.context.close()


@pytest.mark.parametrize("name", ["strong", "weak"])
def test_card_fits_a_phone(
    browser: Browser, cards: dict[str, tuple[Scorecard, Path]], name: str
) -> None:
    _, document = cards[name]

    seen = visit(browser, document, viewport=PHONE)
    page = seen.page

    seen.assert_quiet()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    box = page.get_by_test_id("score").bounding_box()
    assert box is not None and box["y"] + box["height"] < PHONE["height"]  # on the first screen
    screenshot(seen, f"{name}-phone")
    seen.page.context.close()


def test_card_follows_the_colour_scheme_and_prints(
    browser: Browser, cards: dict[str, tuple[Scorecard, Path]]
) -> None:
    _, document = cards["weak"]
    background = "getComputedStyle(document.body).backgroundColor"

    light = visit(browser, document, color_scheme="light")
    dark = visit(browser, document, color_scheme="dark")

    light_rgb = [int(n) for n in re.findall(r"\d+", light.page.evaluate(background))[:3]]
    dark_rgb = [int(n) for n in re.findall(r"\d+", dark.page.evaluate(background))[:3]]
    assert sum(light_rgb) > 600 and sum(dark_rgb) < 150, (light_rgb, dark_rgb)
    dark.assert_quiet()
    screenshot(dark, "weak-dark")
    light.page.emulate_media(media="print")
    assert light.page.locator(".finding.status-fail").first.is_visible()
    assert light.page.pdf().startswith(b"%PDF")
    light.assert_quiet()
    for seen in (light, dark):
        seen.page.context.close()


@pytest.mark.parametrize("bypass_csp", [False, True], ids=["with-csp", "escaping-alone"])
@pytest.mark.parametrize("remote", [HOSTILE_REMOTE, "https://github.com/owner/repo.git"])
def test_hostile_repository_runs_no_script_and_fires_no_dialog(
    browser: Browser, tmp_path: Path, remote: str, bypass_csp: bool
) -> None:
    card = card_for(build_hostile_project(tmp_path / REPO_NAME, remote=remote).path)
    document = write_card(card, tmp_path / "hostile.html")

    # Without the Content-Security-Policy an injected script would run: escaping alone holds.
    seen = visit(browser, document, bypass_csp=bypass_csp)
    page = seen.page
    page.locator("details").evaluate_all("all => all.forEach(d => d.open = true)")
    page.mouse.move(10, 10)

    seen.assert_quiet()
    assert page.locator("script, img, iframe, object, embed, link").count() == 0
    assert not page.evaluate(
        "[...document.querySelectorAll('*')].some(e => [...e.attributes]"
        ".some(a => a.name.startsWith('on') || /^\\s*javascript:/i.test(a.value)))"
    )
    hrefs: list[str] = page.locator("a").evaluate_all("all => all.map(a => a.href)")
    assert all(h.startswith((seen.url, "https://github.com/owner/repo")) for h in hrefs), hrefs
    text = page.locator("body").inner_text()
    assert SCRIPT in text
    for marker in MARKERS:
        assert marker in text
    if remote == HOSTILE_REMOTE and bypass_csp:
        screenshot(seen, "hostile-desktop")
    seen.page.context.close()


def test_an_f_card_collapses_passing_detail_and_stays_short(
    browser: Browser, cards: dict[str, tuple[Scorecard, Path]]
) -> None:
    card, document = cards["weak"]

    seen = visit(browser, document)
    page = seen.page
    height = page.evaluate("document.documentElement.scrollHeight")

    seen.assert_quiet()
    assert card.grade == "F"
    assert height < 9000, height  # about 12,400 px when every detail was open
    fix = page.locator(".finding.status-fail .fix").first
    assert fix.is_visible() and fix.inner_text().startswith("How to fix:")
    assert not page.locator(".finding .why").first.is_visible()  # behind "why employers care"
    assert not page.locator(".passed-list .finding").first.is_visible()


# --------------------------------------------------------------------- the batch leaderboard


@pytest.fixture(scope="module")
def leaderboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A leaderboard of four candidates from the stand-in GitHub: strong, mixed, a tutorial
    dump, and one with a repository whose clone fails; the input file has extra columns."""
    from tests.github_standin import Repo, User, publish, serve
    from tests.test_batch_explained import missing_an_object, run_batch

    root = tmp_path_factory.mktemp("leaderboard")
    strong = build_strong_project(root / "strong")
    weak = build_weak_project(root / "weak")
    urls = {
        "strong": publish(strong, root / "strong.git"),
        "weak": publish(weak, root / "weak.git"),
        "broken": missing_an_object(weak, root / "broken.git"),
    }
    people = root / "candidates.csv"
    people.write_text(
        "Name,login,email,role applied for\n"
        "Ada Lovelace,ada,ada@example.com,Backend engineer\n"
        "Brian Kernighan,brian,bwk@example.com,Platform engineer (data pipelines)\n"
        "Tutorial Tim,tim,tim@example.com,Junior developer\n"
        "Grace Hopper,grace,grace@example.com,Staff engineer\n",
        encoding="utf-8",
    )
    old = os.environ.get("GITHUB_TOKEN")
    os.environ["GITHUB_TOKEN"] = "ghp_standInToken0123456789abcdef"
    served = serve()
    standin = next(served)
    try:
        standin.add_user(
            User(
                "ada",
                "Ada",
                [
                    Repo("ledger-with-a-rather-long-repository-name", urls["strong"]),
                    Repo("calc", urls["weak"], pushed_days_ago=9),
                    Repo("fork-of-something", urls["weak"], fork=True),
                ],
                merged_prs=["psf/requests", "pallets/click"],
            )
        )
        standin.add_user(User("brian", None, [Repo("ledger", urls["strong"])]))
        standin.add_user(
            User("tim", None, [Repo("calc", urls["weak"]), Repo("calc-2", urls["weak"])])
        )
        standin.add_user(
            User("grace", None, [Repo("ledger", urls["strong"]), Repo("calc", urls["broken"])])
        )
        out = root / "out"
        assert run_batch(standin.base_url, out, "--from-file", str(people)) == 3
        yield out / "leaderboard.html"
    finally:
        served.close()
        if old is None:
            os.environ.pop("GITHUB_TOKEN", None)
        else:
            os.environ["GITHUB_TOKEN"] = old


def overflow(page: Page) -> list[str]:
    """Elements whose content is wider than their box: cut off, or scrolled inside."""
    result: list[str] = page.evaluate(
        "[...document.querySelectorAll('main, .panel, table, th, td, li, dl')]"
        ".filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)"
        ".map(e => e.tagName + '.' + e.className + ': ' + e.textContent.trim().slice(0, 40))"
    )
    return result


@pytest.mark.parametrize("width", [1280, 1600])
def test_the_leaderboard_fits_a_laptop_and_explains_every_rank(
    browser: Browser, leaderboard: Path, width: int
) -> None:
    seen = visit(browser, leaderboard, viewport={"width": width, "height": 900})
    page = seen.page

    seen.assert_quiet()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert overflow(page) == []
    headers = page.locator("thead th").all_inner_texts()
    assert any(h.startswith("Tests") and h.rstrip().endswith("TST") for h in headers), headers
    rows = page.locator("tr.main")
    assert rows.count() == 4
    assert page.get_by_text("Platform engineer (data pipelines)").is_visible()
    assert page.get_by_text("ledger-with-a-rather-long-repository-name").first.is_visible()
    incomplete = page.locator(".incomplete")
    assert incomplete.count() == 1 and incomplete.is_visible()
    why = page.locator("tr.more summary").first
    assert why.inner_text().startswith("Why ")
    verdict = page.locator(".verdict").first
    assert not verdict.is_visible()
    why.click()
    assert verdict.is_visible()
    strongest = re.search(
        r"Strongest project: ledger-with-a-rather-long-repository-name \((\d+\.\d), A",
        verdict.inner_text(),
    )
    assert strongest is not None and float(strongest.group(1)) >= 90
    assert overflow(page) == []
    # Sorting by a category keeps each candidate's verdict under its own row.
    page.locator("thead th", has_text="Tests").locator("button").click()
    logins = page.locator("tbody.candidate").evaluate_all(
        "all => all.map(b => [b.rows[0].cells[1].querySelector('.login').textContent,"
        " b.rows[1].querySelector('.verdict').textContent.split(' ')[0]])"
    )
    assert all(login == first for login, first in logins), logins
    if width == 1280:
        page.locator("tr.more details").evaluate_all("all => all.forEach(d => d.open = true)")
        screenshot(seen, "leaderboard-desktop")
    seen.page.context.close()


def test_the_leaderboard_works_on_a_phone(browser: Browser, leaderboard: Path) -> None:
    seen = visit(browser, leaderboard, viewport=PHONE)
    page = seen.page

    seen.assert_quiet()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert overflow(page) == []
    first = page.locator("tr.main").first
    assert first.locator(".login").is_visible() and first.locator(".big").is_visible()
    box = first.locator(".big").bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    assert first.locator("td.cat").first.inner_text().startswith("README and docs")
    page.locator("tr.more summary").first.click()
    assert page.locator(".verdict").first.is_visible()
    assert overflow(page) == []
    screenshot(seen, "leaderboard-phone")
    seen.page.context.close()
