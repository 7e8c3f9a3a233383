"""The Litestar application, built by a factory so each process and each test gets its own."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.datastructures import State
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from corriere.platform.ports import Scheduler, SimulatedPhones
from corriere.platform.settings import Settings
from corriere.web.pages import HomeController
from corriere.web.security import security_headers
from corriere.web.sim_phones import SimulatedPhonesController

HERE = Path(__file__).parent


def create_app(
    settings: Settings,
    *,
    scheduler: Scheduler | None = None,
    phones: SimulatedPhones | None = None,
) -> Litestar:
    handlers: list[object] = [
        HomeController,
        create_static_files_router(path="/static", directories=[HERE / "static"]),
    ]
    if phones is not None:
        handlers.append(SimulatedPhonesController)
    return Litestar(
        route_handlers=handlers,  # type: ignore[arg-type]
        template_config=TemplateConfig(directory=HERE / "templates", engine=JinjaTemplateEngine),
        csrf_config=CSRFConfig(
            secret=settings.effective_secret_key(),
            cookie_name="csrftoken",
            header_name="x-csrftoken",
            cookie_samesite="strict",
            cookie_httponly=True,
        ),
        state=State({"settings": settings, "scheduler": scheduler, "phones": phones}),
        after_request=security_headers,
    )
