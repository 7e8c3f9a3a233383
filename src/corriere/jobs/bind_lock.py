"""The Redis lock that makes one gateway process the owner of the SMPP binds."""

from __future__ import annotations

import asyncio
from typing import Any

LOCK_KEY = "corriere:gateway:binds"
TTL_MS = 15_000

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


class BindLock:
    def __init__(self, redis: Any, owner: str) -> None:
        self.redis = redis
        self.owner = owner

    async def acquire(self, *, poll: float = 1.0, stop: asyncio.Event | None = None) -> bool:
        """Wait until this process owns the binds (a standby waits here); False if stopped."""
        while not (stop and stop.is_set()):
            if await self.redis.set(LOCK_KEY, self.owner, nx=True, px=TTL_MS):
                return True
            await asyncio.sleep(poll)
        return False

    async def renew(self) -> bool:
        return bool(await self.redis.eval(_RENEW, 1, LOCK_KEY, self.owner, TTL_MS))

    async def release(self) -> None:
        await self.redis.eval(_RELEASE, 1, LOCK_KEY, self.owner)

    async def holder(self) -> str | None:
        value = await self.redis.get(LOCK_KEY)
        return value.decode() if isinstance(value, bytes) else value
