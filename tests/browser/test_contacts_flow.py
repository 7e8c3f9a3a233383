"""The address book in a real browser, on the platform started by `corriere up` (its worker runs
the import): import a spreadsheet into a new group, watch its progress bar move, read its report,
download the rejected rows, find the contacts with the search as you type."""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

import pytest
from openpyxl import Workbook
from test_flows import _account, _sign_in, _unique

pytestmark = pytest.mark.slow

ROWS = 30_000  # six chunks of stored rows: the import is caught well before its end
KNOWN = "393300000005"  # in the book before the import: updated, not imported


def _sheet(path: Path, rows: int) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Rubrica")
    sheet.append(["Nome", "Cognome", "Cellulare", "Provincia", "DataNascita"])
    for i in range(rows):
        sheet.append([f"Nome{i}", f"Cognome{i}", f"3933{i:08d}", "BO", "21/04/1978"])
    sheet.append(["Errata", "Riga", "390612345678", "RM", ""])
    sheet.append(["Data", "Sbagliata", "393399999999", "BO", "31/02/1990"])
    workbook.save(path)


def _italian(number: int) -> str:
    return f"{number:,}".replace(",", ".")


class Book:
    """The stack's SQLite database, opened beside it: to see how far an import is, and to hold
    the write lock so that it stops at its next step (its reads, and the pages', go on)."""

    def __init__(self, path: Path, username: str) -> None:
        self.db = sqlite3.connect(path, timeout=20, isolation_level=None)
        self.username = username

    def last_import(self) -> tuple[int, str, int, int]:
        row = self.db.execute(
            "SELECT i.id, i.status, i.processed_rows, i.total_rows FROM contact_import i"
            " JOIN account a ON a.id = i.account WHERE a.username = ? ORDER BY i.id DESC LIMIT 1",
            (self.username,),
        ).fetchone()
        return (0, "", 0, 0) if row is None else (int(row[0]), row[1], int(row[2]), int(row[3]))

    def hold_when_rows_stored(self, after_id: int) -> tuple[int, int, int]:
        """Wait until the import newer than `after_id` has stored its first rows, then hold the
        write lock: the import cannot store another row, nor finish, until `release()`. Its id,
        rows read and estimated total."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            import_id, status, processed, _ = self.last_import()
            if import_id > after_id and status == "running" and processed > 0:
                self.db.execute("BEGIN IMMEDIATE")
                # Under the lock: what the page must show until it is released. Six chunks
                # are parsed in the time this takes a few hundred times over.
                import_id, status, processed, total = self.last_import()
                assert status == "running", f"the import finished first ({status})"
                return import_id, processed, total
            time.sleep(0.001)
        raise AssertionError(f"no import stored rows within 60 s: {self.last_import()}")

    def release(self) -> None:
        self.db.execute("ROLLBACK")

    def close(self) -> None:
        self.db.close()


def test_import_with_progress_and_report_then_search(browser, stack):
    username = f"rubrica{_unique()}"
    _account(stack, username, "1")
    path = stack.home / f"{username}.xlsx"
    _sheet(path, ROWS)
    context = browser.new_context(base_url=stack.base_url, locale="it-IT")
    page = context.new_page()
    _sign_in(page, username)
    book = Book(stack.home / "corriere.sqlite", username)
    try:
        # One of the file's numbers is in the book already (typed in by hand).
        page.goto("/rubrica/importa")
        page.check("input[name=mode][value=complete]")
        page.fill("#f-pasted", f"{KNOWN}, Vecchio")
        page.click("#import-form button[type=submit]")
        page.wait_for_selector('#import-status[data-status="done"]', timeout=60_000)
        before, *_ = book.last_import()

        page.goto("/rubrica/importa")
        page.check("input[name=mode][value=complete]")
        page.check("input[name=target][value=new]")
        page.fill("#f-new_group", "Clienti dal browser")
        page.set_input_files("#f-file", str(path))
        page.click("#import-form button[type=submit]", no_wait_after=True)
        import_id, processed, total = book.hold_when_rows_stored(before)
        try:
            page.wait_for_url(re.compile(rf".*/rubrica/importa/{import_id}$"))
            # The page polls, and shows the import where it stands.
            status = page.wait_for_selector('#import-status[data-status="running"]', timeout=30_000)
            assert status is not None
            percent = processed * 100 // total
            assert 0 < percent < 100
            bar = page.locator("#import-status progress")
            page.wait_for_function(
                "percent => document.querySelector('#import-status progress')"
                "?.getAttribute('value') === String(percent)",
                arg=percent,
                timeout=10_000,
            )
            assert bar.get_attribute("max") == "100"
            shown = page.locator("#import-status").inner_text()
            assert f"{percent}%" in shown, shown
            assert f"Righe lette: {_italian(processed)} di circa {_italian(total)}" in shown, shown
            page.screenshot(path=str(stack.home / "import-progress.png"), full_page=True)
        finally:
            book.release()
        page.wait_for_selector('#import-status[data-status="done"]', timeout=120_000)
        status_url = page.url
        report = page.locator("#import-status").inner_text()
        assert re.search(rf"Importati\s*{_italian(ROWS)}\b", report), report  # bad date: left out
        assert re.search(r"Aggiornati\s*1\b", report), report
        assert re.search(r"Scartati\s*1\b", report), report
        assert "non è un numero di cellulare" in report
        assert "data non valida" in report
        page.screenshot(path=str(stack.home / "import-report.png"), full_page=True)
        # A reload finds the same report (the import lives on the server, not in the page).
        page.goto(status_url)
        assert "Importazione completata" in page.content()
        with page.expect_download() as download:
            page.click("text=Scarica le righe scartate")
        assert download.value.suggested_filename == f"scartati-importazione-{import_id}.csv"
        rejected = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
        assert rejected[0] == "Nome;Cognome;Cellulare;Provincia;DataNascita;Riga;Motivo"
        assert rejected[1].startswith("Errata;Riga;390612345678;RM;;")
        assert "non è un numero di cellulare" in rejected[1]
        assert len(rejected) == 2
    finally:
        book.close()
    page.click("text=Vai al gruppo")
    assert f"{_italian(ROWS + 1)} contatti" in page.locator(".hero").inner_text()
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
