"""IMPORTARE I CONTATTI: a spreadsheet protected with a password is refused at once with the
message that says so, whatever its format (.xlsx is in test_import_files)."""

from __future__ import annotations

import io
import zipfile

import pytest
import python_calamine
from contacts_helpers import NOTHING, ods_odfpy, run_import, stored, xls_xlwt
from protected_files import decrypted_ods_part, decrypted_xls, encrypted_ods, encrypted_xls

from corriere.platform.contacts.importing.readers import ImportRefused
from corriere.platform.contacts.importing.services import ImportTarget, contact_import_start

PROTECTED = "Il file è protetto da password: toglila e riprova"
ROWS = [["Cellulare", "Nome"], ["393351234567", "Mario"]]


def _xls(method: str) -> bytes:
    data = encrypted_xls(ROWS, method=method)
    # The real thing: msoffcrypto-tool opens it with the password, and the rows are there.
    plain = decrypted_xls(data)
    sheet = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(plain)).get_sheet_by_index(0)
    assert sheet.to_python() == ROWS
    return data


def _ods() -> bytes:
    plain = ods_odfpy(ROWS[0], ROWS[1:])
    data = encrypted_ods(plain)
    assert decrypted_ods_part(data, "content.xml") == zipfile.ZipFile(io.BytesIO(plain)).read(
        "content.xml"
    )
    assert b"393351234567" not in data  # nothing readable without the password
    return data


@pytest.mark.parametrize(
    ("filename", "make"),
    [
        pytest.param("rubrica.xls", lambda: _xls("cryptoapi"), id="xls-excel-2003"),
        pytest.param("rubrica.xls", lambda: _xls("rc4"), id="xls-office-97"),
        pytest.param("rubrica.ods", _ods, id="ods"),
        pytest.param("rubrica.xlsx", _ods, id="ods-named-xlsx"),
    ],
)
async def test_password_protected_workbook_is_refused_at_start(account, settings, filename, make):
    with pytest.raises(ImportRefused) as refused:
        await contact_import_start(
            account_id=account.id,
            filename=filename,
            data=make(),
            target=ImportTarget(new_group="Fiera"),
            settings=settings,
        )
    assert refused.value.message == PROTECTED
    assert refused.value.field == "file"
    assert await stored(account.id) == NOTHING


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        pytest.param("rubrica.xls", xls_xlwt(ROWS[0], ROWS[1:]), id="xls"),
        pytest.param("rubrica.ods", ods_odfpy(ROWS[0], ROWS[1:]), id="ods"),
    ],
)
async def test_the_same_workbooks_without_a_password_import(account, settings, filename, data):
    job = await run_import(account.id, settings, data=data, filename=filename)
    assert (job.status, job.imported, job.rejected) == ("done", 1, 0)
