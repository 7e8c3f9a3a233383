"""Typed settings: every knob is a `CORRIERE_*` environment variable (or a line in `.env`)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import Field, field_validator
from pydantic import ValidationError as PydanticValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from corriere.platform.errors import ConfigurationError

SIMULATOR_ROUTE = "sim"


@dataclass(frozen=True, slots=True)
class SmppRoute:
    """One SMPP bind to an operator, parsed from `smpp://system_id:password@host:port/?name=…`."""

    name: str
    host: str
    port: int
    system_id: str
    password: str
    system_type: str = ""
    window: int = 10
    tps: int = 50
    source_ton: int | None = None
    enquire_link_s: float = 30.0
    dlr_id: str = (
        "same"  # "hex2dec": the SMSC answers hex ids but names them in decimal in receipts
    )

    @classmethod
    def parse(cls, url: str) -> SmppRoute:
        parts = urlsplit(url.strip())
        if parts.scheme != "smpp" or not parts.hostname:
            raise ConfigurationError(
                f"SMPP route must look like smpp://user:pass@host:port/?name=x: {url!r}"
            )
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        try:
            return cls(
                name=query.get("name", parts.hostname),
                host=parts.hostname,
                port=parts.port or 2775,
                system_id=unquote(parts.username or ""),
                password=unquote(parts.password or ""),
                system_type=query.get("system_type", ""),
                window=int(query.get("window", 10)),
                tps=int(query.get("tps", 50)),
                enquire_link_s=float(query.get("enquire_link", 30)),
                dlr_id=query.get("dlr_id", "same"),
            )
        except ValueError as exc:
            raise ConfigurationError(f"bad number in SMPP route {url!r}: {exc}") from exc


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CORRIERE_", env_file=".env", extra="ignore")

    home: Path = Field(default=Path("var"), description="Where embedded data lives.")
    database_url: str = ""
    redis_url: str = ""
    secret_key: str = ""
    smpp_routes: str = ""
    smsc_sim_port: int = 2775
    smsc_sim_control_port: int = 2776
    smsc_sim_receipt_delay_ms: int = 200
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_tls: bool = False  # port 465: TLS from the first byte; other ports: STARTTLS required
    # "none" / "starttls" / "tls"; empty: from smtp_tls and the port (see `smtp_mode`)
    smtp_security: str = ""
    mail_from: str = "Corriere <noreply@localhost>"
    public_base_url: str = "http://127.0.0.1:8000"
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    default_locale: str = "it"
    default_timezone: str = "Europe/Rome"
    trial_credits: str = "10"
    system_sender: str = "Corriere"  # the alias of the platform's own SMS (activation codes)
    activation_code_minutes: int = 30
    password_reset_minutes: int = 60
    lease_seconds: int = 60
    dispatch_batch: int = 500
    # Address book imports: rows per file, upload size, and how far a zipped file may inflate.
    import_max_rows: int = 1_000_000
    import_max_bytes: int = 100 * 1024 * 1024
    import_max_uncompressed: int = 1024 * 1024 * 1024
    log_level: str = "INFO"
    # Addresses (IPs or CIDR networks, comma separated) of the reverse proxies in front of the
    # web servers: only from them is X-Forwarded-For believed (throttling, sign-up evidence).
    trusted_proxies: str = ""
    # The simulated phones page (/simulatore) and the mail outbox page (/posta) show every
    # account's codes and links to whoever reaches the server. Unset: only while the public
    # address is on this machine (127.0.0.1, localhost), i.e. a first run or a demo.
    demo_pages: bool | None = None
    # Sign-ups (each sends an SMS paid by the platform): per client address per hour, and in all
    # per hour, beyond which the form asks to retry later.
    registrations_per_ip_hour: int = 5
    registrations_per_hour: int = 200
    # Accounts never activated are deleted after this many days (their username is free again).
    pending_account_days: int = 7
    # An import that has not moved for this long (its job lost or killed) is marked failed.
    import_stale_minutes: int = 30
    # PostgreSQL connections the web process may hold (`commands.web.web_connections` splits
    # them between single-statement reads and transactions). When asyncpg's pool served every
    # read, 10 under 50 concurrent sessions made pages queue for a connection (ledger history
    # p99 69 ms against 39 ms with 50; bench/web.py). Workers, the TUI and commands keep 10
    # each; the sum over every process must stay below the server's max_connections (100).
    web_database_pool: int = Field(default=50, ge=1, le=1000)

    @field_validator("home")
    @classmethod
    def _absolute_home(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @cached_property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'corriere.sqlite'}"

    @property
    def uses_embedded_redis(self) -> bool:
        return not self.redis_url

    @property
    def embedded_redis_socket(self) -> Path:
        return self.home / "redis" / "redis.sock"

    @cached_property
    def routes(self) -> tuple[SmppRoute, ...]:
        if not self.smpp_routes.strip():
            return (
                SmppRoute(
                    name=SIMULATOR_ROUTE,
                    host="127.0.0.1",
                    port=self.smsc_sim_port,
                    system_id="corriere",
                    password="sim",
                    window=50,
                    tps=5000,
                ),
            )
        routes = tuple(SmppRoute.parse(u) for u in self.smpp_routes.split(",") if u.strip())
        names = [r.name for r in routes]
        if len(set(names)) != len(names):
            raise ConfigurationError(f"SMPP route names must be unique: {names}")
        return routes

    @property
    def uses_simulator(self) -> bool:
        return not self.smpp_routes.strip()

    @property
    def public_is_local(self) -> bool:
        """The public address names this machine (a first run, a demo, the tests)."""
        host = (urlsplit(self.public_base_url).hostname or "").lower()
        return host in {"127.0.0.1", "localhost", "::1"} or host.endswith(".localhost")

    @property
    def demo_pages_enabled(self) -> bool:
        return self.public_is_local if self.demo_pages is None else self.demo_pages

    @property
    def mail_is_kept(self) -> bool:
        """No SMTP relay: e-mail stays in the local outbox."""
        return not self.smtp_host

    @property
    def smtp_mode(self) -> str:
        """How the SMTP connection is protected: none, starttls or tls."""
        mode = self.smtp_security.strip().lower()
        if mode:
            if mode not in {"none", "starttls", "tls"}:
                raise ConfigurationError(
                    f"CORRIERE_SMTP_SECURITY must be none, starttls or tls, not {mode!r}"
                )
            return mode
        if not self.smtp_tls:
            return "none"
        return "tls" if self.smtp_port == 465 else "starttls"

    @property
    def default_route(self) -> str:
        return self.routes[0].name

    def effective_secret_key(self) -> str:
        """The configured key, or one generated once and kept under `home`."""
        if self.secret_key:
            return self.secret_key
        path = self.home / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.home.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


def settings_load() -> Settings:
    """The settings from the environment; a bad value names its variable instead of a traceback."""
    try:
        return Settings()
    except PydanticValidationError as exc:
        problems = "; ".join(
            f"CORRIERE_{'_'.join(str(part) for part in error['loc']).upper()}"
            f" = {error.get('input')!r}: {error['msg']}"
            for error in exc.errors()
        )
        raise ConfigurationError(f"impostazione non valida: {problems}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once (for the few places no caller hands them down)."""
    return settings_load()
