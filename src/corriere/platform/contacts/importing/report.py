"""The rejected rows of an import as a file to fix and import again: the sheet's own columns, as
read, plus the row number and the reason."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable

from corriere.platform.contacts.exporting import safe_text
from corriere.platform.contacts.fields import standard_field_for
from corriere.platform.contacts.importing.queries import (
    ImportRow,
    ReportLine,
    import_rejections_all,
)


async def rejected_rows_csv(
    job: ImportRow,
    *,
    describe: Callable[[ReportLine], str],
    row_label: str = "Riga",
    reason_label: str = "Motivo",
) -> AsyncIterator[bytes]:
    """CSV (UTF-8 with BOM, semicolons) of every rejected row; `describe` words the reason in
    the reader's language."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    header = job.header or ["Cellulare"]
    writer.writerow([*header, row_label, reason_label])
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    mobile_column = next((i for i, h in enumerate(header) if standard_field_for(h) == "mobile"), 0)
    count = 0
    async for line in import_rejections_all(job.account_id, job.id):
        cells = [safe_text(str(v)) for v in line.original]
        cells += [""] * (len(header) - len(cells))
        if not line.original:  # a repeated number: the row itself was fine
            cells[mobile_column] = line.mobile.lstrip("+") or line.value
        writer.writerow([*cells[: len(header)], line.row_number, describe(line)])
        count += 1
        if count % 1000 == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")
