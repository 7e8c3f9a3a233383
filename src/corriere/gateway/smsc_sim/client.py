"""A client of the simulator's JSON control API: the `SimulatedPhones` port for the web panel."""

from __future__ import annotations

from typing import Any

import httpx


class SimControlClient:
    def __init__(self, base_url: str, *, timeout: float = 3.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=self.timeout) as client:
            response = await client.request(method, path, **kwargs)
            response.raise_for_status()
            return response.json()

    async def phones(self) -> list[dict[str, object]]:
        data = await self._request("GET", "/phones")
        return list(data["phones"])

    async def messages(self, number: str) -> list[dict[str, object]]:
        data = await self._request("GET", f"/phones/{number.lstrip('+')}")
        return list(data["messages"])

    async def send_from_phone(self, *, sender: str, recipient: str, text: str) -> bool:
        data = await self._request(
            "POST", "/mo", json={"from": sender.lstrip("+"), "to": recipient, "text": text}
        )
        return bool(data.get("sent"))
