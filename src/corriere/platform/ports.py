"""Ports the front ends call without knowing what implements them (jobs wires SAQ behind them)."""

from __future__ import annotations

from typing import Protocol


class Scheduler(Protocol):
    async def dispatch_soon(self) -> None:
        """Ask for due messages to be released to the gateway now rather than at the next tick."""
        ...

    async def mail_soon(self) -> None:
        """Ask for the mail outbox to be delivered now."""
        ...

    async def import_contacts(self, import_id: int) -> None:
        """Run a stored address book import in the background."""
        ...


class SimulatedPhones(Protocol):
    """The SMSC simulator's record of what each phone received (embedded mode only)."""

    async def phones(self) -> list[dict[str, object]]: ...

    async def messages(self, number: str) -> list[dict[str, object]]: ...

    async def send_from_phone(self, *, sender: str, recipient: str, text: str) -> bool: ...
