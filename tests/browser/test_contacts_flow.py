"""The address book in a real browser, on the platform started by `corriere up` (its worker runs
the import): import a spreadsheet into a new group, watch its progress, read its report, find the
contacts with the search as you type."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from openpyxl import Workbook
from test_flows import _account, _sign_in, _unique

pytestmark = pytest.mark.slow


def _sheet(path: Path, rows: int) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Rubrica")
    sheet.append(["Nome", "Cognome", "Cellulare", "Provincia", "DataNascita"])
    for i in range(rows):
        sheet.append([f"Nome{i}", f"Cognome{i}", f"3933{i:08d}", "BO", "21/04/1978"])
    sheet.append(["Errata", "Riga", "390612345678", "RM", ""])
    sheet.append(["Data", "Sbagliata", "393399999999", "BO", "31/02/1990"])
    workbook.save(path)


def test_import_with_progress_and_report_then_search(browser, stack):
    username = f"rubrica{_unique()}"
    _account(stack, username, "1")
    path = stack.home / f"{username}.xlsx"
    _sheet(path, 20_000)
    context = browser.new_context(base_url=stack.base_url, locale="it-IT")
    page = context.new_page()
    _sign_in(page, username)
    page.goto("/rubrica/importa")
    page.check("input[name=mode][value=complete]")
    page.check("input[name=target][value=new]")
    page.fill("#f-new_group", "Clienti dal browser")
    page.set_input_files("#f-file", str(path))
    page.click("#import-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/rubrica/importa/\d+$"))
    status_url = page.url
    # The status block polls (HTMX) until the import is done; it may be quick enough to skip
    # the running state, so the progress bar is checked only while it is there.
    seen = page.locator("#import-status").get_attribute("data-status")
    assert seen in ("pending", "running", "done")
    page.wait_for_selector('#import-status[data-status="done"]', timeout=120_000)
    report = page.locator("#import-status").inner_text()
    assert re.search(r"Importati\s*20\.001", report), report  # the bad date is only left out
    assert re.search(r"Scartati\s*1", report), report
    assert "non è un numero di cellulare" in report
    assert "data non valida" in report
    page.screenshot(path=str(stack.home / "import-report.png"), full_page=True)
    # A reload finds the same report (the import lives on the server, not in the page).
    page.goto(status_url)
    assert "Importazione completata" in page.content()
    with page.expect_download() as download:
        page.click("text=Scarica le righe scartate")
    assert "390612345678" in Path(download.value.path()).read_text(encoding="utf-8-sig")
    page.click("text=Vai al gruppo")
    assert "20.001 contatti" in page.locator(".hero").inner_text()
    page.goto("/rubrica")
    page.fill("#f-q", "cognome1999")
    deadline = time.monotonic() + 10
    while (
        time.monotonic() < deadline
        and "Risultati dal 1 al 11 di 11" not in page.locator("#results").inner_text()
    ):
        time.sleep(0.2)
    results = page.locator("#results").inner_text()
    assert "Risultati dal 1 al 11 di 11" in results, results
    assert "/rubrica?q=cognome1999" in page.url  # the search is in the address bar
    context.close()
