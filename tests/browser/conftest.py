"""A real browser (Debian's chromium + chromium-driver, driven by Selenium) against the live server on
PostgreSQL. Skipped with the reason when chromium is missing locally; a failure in CI
(SELLERCENTER_REQUIRE_SERVICES=1), where .ci/run installs it.

Every step saves a screenshot to one folder (BROWSER_SCREENSHOTS, or a fresh temporary folder that
tests/conftest.py chooses for the run), printed at the end of the run for review."""

import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.conftest import REQUIRE_SERVICES

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
WIDTH, HEIGHT = 1440, 900
SHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS") or tempfile.mkdtemp(prefix="sellercenter-screens-"))
# What a person must never read: an amount with the database's two decimals, or an ISO/UTC time.
RAW_AMOUNT = re.compile(r"(?<![\d.,])\d{4,}[.,]\d{2}(?!\d)")
ISO_TIME = re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|\bUTC\b")


@pytest.fixture(scope="session")
def chrome():
    if not (CHROMIUM and DRIVER):
        reason = "needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)"
        if REQUIRE_SERVICES:
            pytest.fail(f"A browser is required here (SELLERCENTER_REQUIRE_SERVICES=1): {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={WIDTH},{HEIGHT}"):
        options.add_argument(argument)
    # A folder of its own per pytest-xdist worker, should two workers ever drive a browser each.
    downloads = SHOTS / "-".join(filter(None, ["downloads", os.environ.get("PYTEST_XDIST_WORKER")]))
    downloads.mkdir(parents=True, exist_ok=True)
    options.add_experimental_option(
        "prefs", {"intl.accept_languages": "vi,vi-VN", "download.default_directory": str(downloads)}
    )
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.downloads = downloads
    yield driver
    driver.quit()


class Person:
    """A staff member at the browser: goes to pages, clicks what they see, and checks what they read."""

    def __init__(self, driver, base_url: str, name: str):
        self.driver, self.base_url, self.name, self.step = driver, base_url, name, 0

    def login(self, username: str, password: str = "mat-khau-123"):
        from selenium.webdriver.common.by import By

        self.driver.delete_all_cookies()
        self.go("/admin/login/?next=/admin/")
        self.driver.find_element(By.NAME, "username").send_keys(username)
        self.driver.find_element(By.NAME, "password").send_keys(password)
        self.click("[type=submit]")
        # The click only starts the log-in: wait for the page it leads to, or the next `go` races with
        # the log-in's redirect (which then wins, and the person stands on the home instead).
        self.wait_until(
            lambda driver: (
                "/admin/login/" not in driver.current_url
                and driver.execute_script("return document.readyState") == "complete"
            ),
            f"{username} never got past the log-in page",
        )
        return self

    def wait_until(self, condition, failure: str, timeout: float = 10):
        """Wait for `condition(driver)`, reading the page again while it is being replaced."""
        from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, TimeoutException
        from selenium.webdriver.support.ui import WebDriverWait

        ignored = (NoSuchElementException, StaleElementReferenceException)
        try:
            WebDriverWait(self.driver, timeout, ignored_exceptions=ignored).until(condition)
        except TimeoutException:
            self.driver.save_screenshot(str(SHOTS / f"{self.name}-failed.png"))
            raise AssertionError(f"{failure} (on {self.driver.current_url})") from None
        return self

    def go(self, path: str):
        self.driver.get(self.base_url + path)
        return self

    def find(self, css: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def click(self, css: str):
        element = self.find(css)
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()
        return self

    def wait_for_text(self, text: str, timeout: float = 10):
        return self.wait_until(lambda driver: text in self.text(), f"{text!r} never appeared", timeout)

    def type_into_focused(self, name: str, keys: str, timeout: float = 10):
        """Type as a scanner does, into the field the page focuses once loaded (named `name`): wait
        for the cursor to be there first, as a person would."""
        self.wait_until(
            lambda driver: driver.execute_script(
                "return document.readyState === 'complete' && document.activeElement"
                " && document.activeElement.name === arguments[0]",
                name,
            ),
            f"the cursor never came to {name!r}",
            timeout,
        )
        self.driver.switch_to.active_element.send_keys(keys)
        return self

    def text(self) -> str:
        return self.find("body").text

    def shot(self, what: str):
        """Save the screen, and check it as a person would: no raw amount, no ISO/UTC time."""
        self.step += 1
        self.driver.save_screenshot(str(SHOTS / f"{self.name}-{self.step:02d}-{what}.png"))
        text = self.text()
        assert not RAW_AMOUNT.search(text), f"raw amount on {self.driver.current_url}: {RAW_AMOUNT.search(text)}"
        assert not ISO_TIME.search(text), f"ISO/UTC time on {self.driver.current_url}: {ISO_TIME.search(text)}"
        return self

    def assert_fits(self):
        """No horizontal scroll: neither the page nor the list's own table at 1440 x 900."""
        page, inner, table, box = self.driver.execute_script(
            "const t = document.querySelector('#result_list');"
            "return [document.documentElement.scrollWidth, innerWidth,"
            " t ? t.scrollWidth : 0, t ? t.parentElement.clientWidth : 0]"
        )
        assert page <= inner, f"{self.driver.current_url} is {page}px wide in a {inner}px window"
        assert table <= box + 1, f"the list of {self.driver.current_url} is {table}px in {box}px"
        return self

    def choose(self, css: str, label: str):
        """Pick an option of a menu by what it reads."""
        from selenium.webdriver.support.ui import Select

        element = self.find(css)
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        Select(element).select_by_visible_text(label)
        return self

    def submit(self):
        """Press the page's own submit button (not the header's language or log-out buttons)."""
        buttons = [
            b
            for b in self.find_all('form [type="submit"]')
            if b.is_displayed() and b.get_attribute("id") != "command-submit"
        ]
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", buttons[-1])
        buttons[-1].click()
        return self

    def run_action(self, name: str, *pks):
        """On a list: tick the rows, choose the action in the menu, run it."""
        from selenium.webdriver.support.ui import Select

        for pk in pks:
            self.click(f'input.action-select[value="{pk}"]')
        Select(self.find('select[name="action"]')).select_by_value(name)
        return self.click('button[name="index"]')


@pytest.fixture
def person(chrome, live_server):
    def at_browser(name: str) -> Person:
        return Person(chrome, live_server.url, name)

    return at_browser
