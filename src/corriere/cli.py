"""The `corriere` command: the composition root of every process."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from decimal import Decimal

from corriere.platform.errors import CorriereError
from corriere.platform.settings import Settings, settings_load


def _settings() -> Settings:
    return settings_load()


def cmd_migrate(args: argparse.Namespace) -> int:
    from corriere.runtime import open_database

    async def run() -> None:
        db = await open_database(_settings(), run_migrations=True)
        await db.close()

    asyncio.run(run())
    print("database up to date")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from corriere.jobs.workers import default_worker
    from corriere.runtime import configure_logging, redis_url

    settings = _settings()
    configure_logging(settings)
    worker = default_worker(settings, redis_url(settings), concurrency=args.concurrency)
    asyncio.run(worker.start())
    return 0


def cmd_gateway(args: argparse.Namespace) -> int:
    from corriere.jobs.workers import gateway_worker
    from corriere.runtime import configure_logging, redis_url

    settings = _settings()
    configure_logging(settings)
    worker = gateway_worker(settings, redis_url(settings), concurrency=args.concurrency)
    asyncio.run(worker.start())
    return 0


def cmd_web(args: argparse.Namespace) -> int:
    from corriere.commands.web import serve
    from corriere.runtime import configure_logging, redis_url

    settings = _settings()
    configure_logging(settings)
    serve(
        settings,
        redis_url(settings),
        host=args.host or settings.web_host,
        port=args.port or settings.web_port,
        server=args.server,
    )
    return 0


def cmd_smsc_sim(args: argparse.Namespace) -> int:
    from corriere.gateway.smsc_sim.config import SmscSimConfig
    from corriere.gateway.smsc_sim.server import serve_forever

    settings = _settings()
    config = SmscSimConfig(
        host=args.host,
        port=args.port if args.port is not None else settings.smsc_sim_port,
        control_port=(
            args.control_port if args.control_port is not None else settings.smsc_sim_control_port
        ),
        receipt_delay_ms=(
            args.receipt_delay_ms
            if args.receipt_delay_ms is not None
            else settings.smsc_sim_receipt_delay_ms
        ),
        reject_prefixes=tuple(args.reject),
        undeliverable_prefixes=tuple(args.undeliverable),
        throttle_tps=args.throttle_tps,
    )
    print(
        f"SMSC simulator: SMPP on {config.host}:{config.port},"
        f" control API on http://{config.host}:{config.control_port}/",
        flush=True,
    )
    try:
        asyncio.run(serve_forever(config))
    except KeyboardInterrupt:
        pass
    return 0


def cmd_tui(args: argparse.Namespace) -> int:
    from corriere.jobs.queues import queue_depths_reader
    from corriere.runtime import redis_url
    from corriere.tui.main import run_tui

    settings = _settings()
    return run_tui(
        settings, operator=args.operator, queue_depths=queue_depths_reader(redis_url(settings))
    )


def cmd_up(args: argparse.Namespace) -> int:
    from corriere.commands.up import up

    return up(_settings(), port=args.port)


def cmd_send(args: argparse.Namespace) -> int:
    from corriere.commands.send import send

    return asyncio.run(send(_settings(), args))


def cmd_account(args: argparse.Namespace) -> int:
    from corriere.commands.accounts import account_command

    return asyncio.run(account_command(_settings(), args))


def cmd_contacts(args: argparse.Namespace) -> int:
    from corriere.commands.contacts import contacts_command

    return asyncio.run(contacts_command(_settings(), args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="corriere",
        description="Corriere, the self-hosted SMS console. Settings come from CORRIERE_* "
        "environment variables or a .env file (see the README).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "up", help="run everything on embedded defaults (web, worker, gateway, simulator)"
    )
    p.add_argument("--port", type=int, default=None, help="web port (default 8000)")
    p.set_defaults(func=cmd_up)

    p = sub.add_parser("web", help="the web server: panel, public pages, APIs")
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p.add_argument(
        "--server",
        choices=["granian", "uvicorn"],
        default="granian",
        help="the ASGI server (default granian)",
    )
    p.set_defaults(func=cmd_web)

    p = sub.add_parser("worker", help="the SAQ worker of the default queue (dispatch, cron)")
    p.add_argument("--concurrency", type=int, default=4)
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser(
        "gateway", help="the SAQ worker of the gateway queue, holding the SMPP binds"
    )
    p.add_argument("--concurrency", type=int, default=16)
    p.set_defaults(func=cmd_gateway)

    p = sub.add_parser("tui", help="the support console")
    p.add_argument("--operator", default=None, help="operator name for the ledger (default: $USER)")
    p.set_defaults(func=cmd_tui)

    p = sub.add_parser("migrate", help="bring the database schema up to date")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("smsc-sim", help="a local SMSC simulator (SMPP 3.4 server)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=None, help="SMPP port (default 2775)")
    p.add_argument(
        "--control-port", type=int, default=None, help="JSON control API port (default 2776)"
    )
    p.add_argument("--receipt-delay-ms", type=int, default=None)
    p.add_argument(
        "--reject",
        action="append",
        default=[],
        metavar="PREFIX",
        help="refuse submits to numbers starting with PREFIX (repeatable)",
    )
    p.add_argument(
        "--undeliverable",
        action="append",
        default=[],
        metavar="PREFIX",
        help="accept but report UNDELIV for numbers starting with PREFIX",
    )
    p.add_argument("--throttle-tps", type=int, default=0, help="answer THROTTLED above N submits/s")
    p.set_defaults(func=cmd_smsc_sim)

    p = sub.add_parser("send", help="send an SMS campaign from the shell")
    p.add_argument("--account", required=True, help="username of the sending account")
    p.add_argument("--to", required=True, help="recipients, comma separated")
    p.add_argument("--type", default="PRO", help="SMART, PRO or REPLY (default PRO)")
    p.add_argument("--sender", default=None, help="sender (PRO only): mobile number or alias")
    p.add_argument("--text", required=True)
    p.add_argument("--at", default=None, help="schedule, ISO date-time (Europe/Rome if no offset)")
    p.add_argument("--wait", action="store_true", help="wait for the final state of every message")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds to wait with --wait")
    p.set_defaults(func=cmd_send)

    p = sub.add_parser("account", help="customer accounts: create, list, credit")
    acc = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = acc.add_parser("create", help="create an active customer account")
    a.add_argument("username")
    a.add_argument("--email", required=True)
    a.add_argument("--mobile", required=True)
    a.add_argument("--name", default="")
    a.add_argument("--surname", default="")
    a.add_argument("--password", default=None)
    a.add_argument("--credits", default="0", help="trial credits to grant")
    a = acc.add_parser("list", help="list accounts (optionally matching a text)")
    a.add_argument("search", nargs="?", default="")
    a = acc.add_parser("credit", help="add or remove credits (support adjustment)")
    a.add_argument("username")
    a.add_argument("amount", type=Decimal, help="credits, negative to remove")
    a.add_argument("--reason", required=True)
    a.add_argument("--operator", default=None)
    p.set_defaults(func=cmd_account)

    p = sub.add_parser("contacts", help="address books: import a file into an account")
    con = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = con.add_parser(
        "import",
        help="import .xlsx, .xls, .ods or .csv (header row: Nome, Cognome, Cellulare…)",
        description="Import contacts into an account's address book and print how many were"
        " imported, updated and rejected. Existing numbers are updated; empty cells erase"
        " nothing.",
    )
    a.add_argument("file", help="the spreadsheet or CSV file")
    a.add_argument("--account", required=True, help="username of the account")
    a.add_argument(
        "--group", default=None, help="also add every contact to this group (created if missing)"
    )
    a.add_argument(
        "--prefix",
        default=None,
        help="country code to put before numbers written without one (e.g. 39);"
        " without it, numbers must be complete (393351234567)",
    )
    p.set_defaults(func=cmd_contacts)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except CorriereError as exc:
        print(f"errore: {exc.message}", file=sys.stderr)
        for key, value in exc.details.items():
            print(f"  {key}: {value}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
