"""The Litestar application, built by a factory so each process and each test gets its own.

Nothing here opens connections: whatever needs Redis or the database (the session store, the
scheduler, the simulator client) is built by the composition root (`corriere.commands.web`) and
passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.static_files import create_static_files_router
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.template.config import TemplateConfig
from litestar.types import ControllerRouterHandler

from corriere.platform.ports import Scheduler, SimulatedPhones
from corriere.platform.settings import Settings
from corriere.web.access import AccessController
from corriere.web.account_pages import AccountController
from corriere.web.address_tools import ExtraController, RubricaToolsController
from corriere.web.api.v1 import ApiV1Controller
from corriere.web.auth import LoginRequired, login_required_handler
from corriere.web.bacheca import BachecaController
from corriere.web.errors import EXCEPTION_HANDLERS
from corriere.web.gruppi import GruppiController
from corriere.web.i18n import Catalogs
from corriere.web.imports import ImportController
from corriere.web.outbox_page import OutboxController
from corriere.web.pages import HomeController, coming_soon_handler, placeholder_paths
from corriere.web.rubrica import RubricaController
from corriere.web.security import CSRF_EXEMPT_OPT, security_headers
from corriere.web.sessions import SESSION_STORE, session_config
from corriere.web.shell import ShellController
from corriere.web.signup_pages import SignupPublicController, SignupSettingsController
from corriere.web.sim_phones import SimulatedPhonesController
from corriere.web.templating import CSRF_COOKIE, LocalizedTemplates, template_engine

HERE = Path(__file__).parent


def create_app(
    settings: Settings,
    *,
    scheduler: Scheduler | None = None,
    phones: SimulatedPhones | None = None,
    session_store: Store | None = None,
    catalogs: Catalogs | None = None,
    route_handlers: Sequence[ControllerRouterHandler] = (),
    debug: bool = False,
) -> Litestar:
    """The web app. `session_store` should be shared by all instances (a `RedisStore`); without
    one, sessions live in this process's memory. `phones` is the SMSC simulator's control client,
    given only while the SMS go to the simulator. `route_handlers` adds pages (and lets tests add
    their own routes)."""
    secure = settings.public_base_url.startswith("https")
    catalogs = catalogs or Catalogs()
    handlers: list[ControllerRouterHandler] = [
        HomeController,
        ShellController,
        AccessController,
        AccountController,
        BachecaController,
        RubricaController,
        ImportController,
        RubricaToolsController,
        GruppiController,
        ExtraController,
        SignupSettingsController,
        SignupPublicController,
        ApiV1Controller,
        create_static_files_router(path="/static", directories=[HERE / "static"], name="static"),
        *route_handlers,
    ]
    # The demo pages show every account's codes and reset links to whoever asks, without a
    # login: only on a machine of one's own (`demo_pages_enabled`), and only when there is
    # something to show (`phones` is given only while the SMS go to the simulator).
    phones_page = phones is not None and settings.demo_pages_enabled
    outbox_page = settings.demo_pages_enabled and settings.mail_is_kept
    if phones_page:
        handlers.append(SimulatedPhonesController)
    if outbox_page:
        handlers.append(OutboxController)
    app = Litestar(
        route_handlers=handlers,
        template_config=TemplateConfig(instance=template_engine()),
        csrf_config=CSRFConfig(
            secret=settings.effective_secret_key(),
            cookie_name=CSRF_COOKIE,
            header_name="x-csrftoken",
            cookie_samesite="strict",
            cookie_httponly=True,  # the token reaches pages through <meta name="csrf-token">
            cookie_secure=secure,
            exclude_from_csrf_key=CSRF_EXEMPT_OPT,
        ),
        middleware=[session_config(secure=secure).middleware],
        stores={SESSION_STORE: session_store or MemoryStore()},
        exception_handlers={**EXCEPTION_HANDLERS, LoginRequired: login_required_handler},
        before_send=[security_headers(hsts=secure)],
        # No /schema: Litestar's API viewers load their scripts from CDNs, and the panel's pages
        # are not an API. The API is described in docs/web.md.
        openapi_config=None,
        state=State(
            {
                "settings": settings,
                "scheduler": scheduler,
                "phones": phones,
                "phones_page": phones_page,
                "outbox_page": outbox_page,
                "catalogs": catalogs,
                "templates": LocalizedTemplates(catalogs),
            }
        ),
        debug=debug,
    )
    # Sections not built yet get the "coming soon" page; a real handler for a path wins.
    if paths := placeholder_paths(set(app.route_handler_method_map)):
        app.register(coming_soon_handler(paths))
    return app
