"""The main flows in a real browser, on the platform started by `corriere up`:
registration → code read from the simulated phone → activation → sign-in → panel; password
recovery through the demo outbox; a credit transfer between two accounts."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from itertools import count

import pytest

pytestmark = pytest.mark.slow
PASSWORD = "Sole-Mare-2026"
_n = count(1)


def _unique() -> int:
    return int(time.time() * 1000) % 10_000_000 + next(_n)


def _sms_code(page, number: str, timeout: float = 30) -> str:
    """Open the number's simulated phone until the activation SMS shows up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page.goto(f"/simulatore?numero={number}")
        match = re.search(r"codice di attivazione è (\d{6})", page.content())
        if match:
            return match.group(1)
        time.sleep(0.5)
    raise AssertionError(f"no activation SMS reached {number}")


def _register(page, n: int) -> tuple[str, str]:
    username, mobile = f"marta{n}", f"349{n:07d}"
    page.goto("/registrazione")
    page.fill("#f-username", username)
    page.fill("#f-password", PASSWORD)
    page.fill("#f-email", f"marta{n}@example.com")
    page.fill("#f-mobile", mobile)
    page.fill("#f-first_name", "Marta")
    page.fill("#f-last_name", "Neri")
    page.check("#f-accept_terms")
    page.check("#f-accept_privacy")
    page.click("#register-form button[type=submit]")
    page.wait_for_url("**/registrazione/attiva")
    return username, "39" + mobile


def _sign_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accesso")
    page.fill("#f-username", username)
    page.fill("#f-password", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))


def test_register_activate_with_the_sms_code_and_sign_in(page, browser, stack):
    username, number = _register(page, _unique())
    phone = page.context.new_page()
    code = _sms_code(phone, number)
    phone.close()
    page.fill("#f-code", code)
    page.click("#activate-form button[type=submit]")
    page.wait_for_url("**/accesso")
    assert "attivato" in page.content()
    _sign_in(page, username)
    assert page.locator("#balance").inner_text().count("10,0000 crediti") == 1
    assert f"Ciao {username}" in page.content()
    page.screenshot(path=str(stack.home / "panel.png"), full_page=True)


def test_password_recovery_through_the_outbox(page, stack):
    username, number = _register(page, _unique())
    code = _sms_code(page, number)
    page.goto("/registrazione/attiva")
    page.fill("#f-code", code)
    page.click("#activate-form button[type=submit]")
    page.wait_for_url("**/accesso")
    page.goto("/recupera")
    page.fill("#f-identifier", username)
    page.click("#recover-form button[type=submit]")
    assert page.locator("#recover-sent").is_visible()
    link = None
    deadline = time.monotonic() + 20
    while link is None and time.monotonic() < deadline:
        page.goto("/posta")
        link = re.search(rf"{re.escape(stack.base_url)}/recupera/[\w-]+", page.content())
        time.sleep(0.3)
    assert link, "no recovery e-mail in the outbox"
    page.goto(link.group(0))
    page.fill("#f-password", "Nuova-Password-77")
    page.fill("#f-password_confirm", "Nuova-Password-77")
    page.click("#reset-form button[type=submit]")
    page.wait_for_url("**/accesso")
    _sign_in(page, username, "Nuova-Password-77")
    assert "Credito residuo" in page.content()


def _account(stack, username: str, credits: str) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "corriere",
            "account",
            "create",
            username,
            "--email",
            f"{username}@example.com",
            "--mobile",
            f"+39340{_unique():07d}",
            "--password",
            PASSWORD,
            "--credits",
            credits,
        ],
        env=stack.env,
        check=True,
        capture_output=True,
    )


def test_credit_transfer_between_two_accounts(browser, stack):
    n = _unique()
    sender, receiver = f"mittente{n}", f"ricevente{n}"
    _account(stack, sender, "50")
    _account(stack, receiver, "5")
    context = browser.new_context(base_url=stack.base_url, locale="it-IT")
    page = context.new_page()
    _sign_in(page, sender)
    page.goto("/bacheca")
    page.fill("#transfer #f-amount", "60")
    page.fill("#transfer #f-username", receiver)
    page.click("#transfer button[type=submit]")
    page.wait_for_selector("#transfer .field-error")
    error = page.locator("#transfer .field-error").inner_text()
    assert "un massimo di 50,0000 crediti" in error, error
    page.fill("#transfer #f-amount", "12,5")
    page.click("#transfer button[type=submit]")
    page.click("button[value=conferma]")
    page.wait_for_url("**/bacheca")
    assert "37,5000" in page.locator("body").inner_text()
    context.close()
    other = browser.new_context(base_url=stack.base_url, locale="it-IT")
    page = other.new_page()
    _sign_in(page, receiver)
    page.goto("/bacheca/storico")
    history = page.locator("body").inner_text()
    assert "Credito ricevuto" in history and sender in history
    assert "17,5000" in page.content() or "17,5000" in history
    other.close()
