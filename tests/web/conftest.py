"""The web app built on a real Redis session store (the embedded server or CORRIERE_TEST_REDIS_URL)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.stores.redis import RedisStore
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis
from web_helpers import TEST_ROUTES, Client, MakeApp

from corriere.platform.settings import Settings
from corriere.web.app import create_app


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[Redis]:
    """The tests' own connection, to look at what the app stored."""
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def session_namespace() -> str:
    return f"corriere-test-web-{secrets.token_hex(4)}"


@pytest.fixture
def make_app(settings: Settings, redis_url: str, session_namespace: str) -> MakeApp:
    def make(settings_: Settings | None = None, **kwargs: Any) -> Litestar:
        kwargs.setdefault("route_handlers", TEST_ROUTES)
        # As in commands/web.py. The test client runs the app in its own event loop (a portal
        # thread): the app's Redis client is made, used and closed (at shutdown) there.
        store = RedisStore(
            Redis.from_url(redis_url), namespace=session_namespace, handle_client_shutdown=True
        )
        return create_app(settings_ or settings, session_store=store, **kwargs)

    return make


@pytest.fixture
async def client(make_app: MakeApp) -> AsyncIterator[Client]:
    async with AsyncTestClient(make_app()) as test_client:
        yield test_client
