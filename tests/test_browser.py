"""Open the demo report in a real headless Chromium (Debian's package, driven by playwright).

Checks: no console errors, every image loads, every local link resolves, the plotly
figures render; screenshots are saved under the test's tmp dir (a CI artifact).
"""

import os
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory):
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api")
    from motifscope.demo.job import run_demo

    out = tmp_path_factory.mktemp("demo")
    res = run_demo(out, quick=True, models=("deepsea_demo", "deepatt_demo"), progress=False)
    assert not res.failures, res.failures
    return res


def _check_page(page, url, shots, name):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_load_state("load")
    n_plots = page.locator("div.plot").count()
    if n_plots:
        page.wait_for_selector("div.plot .main-svg", timeout=20_000)
        rendered = page.locator("div.plot .main-svg").count()
        assert rendered >= n_plots, f"{url}: {rendered} of {n_plots} plotly figures rendered"
    # the report's images are loading="lazy": whether those near the fold have loaded when
    # "load" fires is a race, so make every image eager and wait until all have settled
    page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')")
    page.wait_for_function("Array.from(document.images).every(i => i.complete)", timeout=20_000)
    broken = page.evaluate(
        "Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)"
    )
    assert not broken, f"{url}: images that did not load: {broken}"
    hrefs = page.evaluate("Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
    for h in hrefs:
        u = urlparse(h)
        if u.scheme == "file":
            assert Path(unquote(u.path)).exists(), f"{url}: broken link {h}"
        else:
            assert u.scheme in ("", "about", "javascript") or not u.netloc, f"{url}: external link {h}"
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    assert not errors, f"{url}: console errors {errors}"
    return hrefs


def test_demo_report_in_chromium(demo_report, tmp_path):
    from playwright.sync_api import sync_playwright

    shots = tmp_path / "screenshots"
    shots.mkdir()
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        landing = demo_report.report.resolve()
        hrefs = _check_page(page, landing.as_uri(), shots, "landing")
        shown = page.evaluate("Array.from(document.querySelectorAll('.shots img')).map(i => i.src)")
        common = {"planted_matches", "attribution_track", "temporal", "optimize"}
        for m, want in (("deepsea_demo", common), ("deepatt_demo", common | {"similarity"})):
            got = {Path(unquote(urlparse(u).path)).stem for u in shown if f"/runs/{m}/" in u}
            assert want <= got, f"the landing page shows {sorted(got)} for {m}"
        run_pages = [h for h in hrefs if h.endswith("report/index.html")]
        assert len(run_pages) == 2
        visited = set()
        for h in run_pages:
            sub = _check_page(page, h, shots, f"page{len(visited)}")
            visited.add(h)
            for s in sub:
                if s.endswith(".html") and "/report/" in s and s not in visited:
                    _check_page(page, s, shots, f"page{len(visited)}")
                    visited.add(s)
        browser.close()
    assert len(visited) >= 8  # two run indexes and their analysis pages
    assert all(f.stat().st_size > 10_000 for f in shots.iterdir())
    print(f"screenshots in {shots}")
