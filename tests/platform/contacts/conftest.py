"""Address book tests: a fresh account each, and both .xlsx readers where it matters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from corriere.platform.accounts.services import AccountCreated
from corriere.platform.contacts.importing import readers


@pytest.fixture
async def account(make_account: Callable[..., Awaitable[AccountCreated]]) -> AccountCreated:
    return await make_account()


@pytest.fixture(params=["calamine", "streamed"])
def xlsx_reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run an .xlsx test through python-calamine (sheets up to 128 MB of XML) and through our
    streaming reader (bigger sheets), by moving the size at which the second takes over."""
    if request.param == "streamed":
        monkeypatch.setattr(readers, "CALAMINE_SHEET_LIMIT", -1)
    return str(request.param)
