"""Headless Chromium for the web-client tests (Debian's chromium, chromium-driver
and python3-selenium; nothing is downloaded). Used by conftest.py's `browser`
fixture; a missing browser, driver or selenium skips those tests with the reason."""
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = ("/usr/bin/chromium", "/usr/lib/chromium/chromium")
DRIVER = "/usr/bin/chromedriver"
WAIT = 10.0


def artifacts_dir():
    """Where screenshots go: $CHAT_ARTIFACTS, else <repo>/build/test-artifacts."""
    d = Path(os.environ.get("CHAT_ARTIFACTS") or REPO / "build" / "test-artifacts")
    d.mkdir(parents=True, exist_ok=True)
    return d


def find_tools():
    """(chromium path, driver path, selenium module) or pytest.skip."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        pytest.skip("python3-selenium is not installed (apt-get install python3-selenium)")
    binary = next((p for p in CHROMIUM if os.access(p, os.X_OK)), None) or shutil.which("chromium")
    if not binary:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    driver = DRIVER if os.access(DRIVER, os.X_OK) else shutil.which("chromedriver")
    if not driver:
        pytest.skip("chromedriver is not installed (apt-get install chromium-driver)")
    return binary, driver


class Browser:
    """One Chromium window with a fresh profile; `b.d` is the WebDriver."""

    def __init__(self, binary, driver_path, name, width, height):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        self.name = name
        self.profile = tempfile.mkdtemp(prefix=f"chat-web-{name}-")
        opts = webdriver.ChromeOptions()
        opts.binary_location = binary
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync",
                     "--disable-features=Translate,MediaRouter,OptimizationHints",
                     f"--user-data-dir={self.profile}", f"--window-size={width},{height}",
                     "--lang=en-US", "--force-prefers-reduced-motion"):
            opts.add_argument(flag)
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.d = webdriver.Chrome(service=Service(driver_path), options=opts)
        self.d.set_window_size(width, height)  # --window-size is the outer size in some builds
        self.d.set_page_load_timeout(20)

    # -- finding and waiting
    def css(self, selector):
        from selenium.webdriver.common.by import By
        return self.d.find_elements(By.CSS_SELECTOR, selector)

    def one(self, selector):
        return self.wait(lambda: next(iter(e for e in self.css(selector) if e.is_displayed()), None),
                         f"a visible {selector}")

    def wait(self, fn, what, timeout=WAIT):
        """Polls fn() until truthy; fails naming `what` and the page's visible text."""
        deadline = time.monotonic() + timeout
        last_error = None
        while time.monotonic() < deadline:
            try:
                v = fn()
                if v:
                    return v
            except Exception as e:  # stale elements while the page re-renders
                last_error = e
            time.sleep(0.1)
        self.shot(f"FAILED-{self.name}")
        body = self.d.execute_script("return document.body.innerText")
        pytest.fail(f"[{self.name}] timed out after {timeout:.0f} s waiting for {what}"
                    f"{f' (last error: {last_error})' if last_error else ''}; page text:\n{body}",
                    pytrace=False)

    def text_of(self, selector):
        return "\n".join(e.text for e in self.css(selector))

    def js(self, script, *args):
        return self.d.execute_script(script, *args)

    # -- acting
    def fill(self, selector, text, clear=True):
        el = self.one(selector)
        if clear:
            el.clear()
        el.send_keys(text)
        return el

    def click(self, selector):
        self.one(selector).click()

    def shot(self, name):
        path = artifacts_dir() / f"{name}.png"
        self.d.save_screenshot(str(path))
        return path

    def console_errors(self):
        try:
            return [e for e in self.d.get_log("browser") if e.get("level") == "SEVERE"]
        except Exception:
            return []

    def quit(self):
        try:
            self.d.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)
