"""`corriere account create|list|credit`."""

from __future__ import annotations

import argparse
import getpass

from corriere.platform.accounts.queries import accounts_search
from corriere.platform.accounts.services import (
    account_create,
    account_id_by_username,
    credits_adjust,
    operator_ensure,
)
from corriere.platform.money import format_credits
from corriere.platform.settings import Settings
from corriere.runtime import open_database


async def account_command(settings: Settings, args: argparse.Namespace) -> int:
    db = await open_database(settings, run_migrations=True)
    try:
        if args.action == "create":
            created = await account_create(
                username=args.username,
                email=args.email,
                mobile=args.mobile,
                first_name=args.name,
                last_name=args.surname,
                password=args.password,
                trial_credits=args.credits,
            )
            print(
                f"account {created.username} (id {created.id}, API id {created.api_id}),"
                f" balance {format_credits(created.balance_units)} credits"
            )
        elif args.action == "list":
            rows = await accounts_search(args.search, limit=500)
            print(f"{'username':20} {'e-mail':32} {'mobile':15} {'status':8} {'credits':>14}")
            for r in rows:
                print(
                    f"{r.username:20} {r.email:32} {r.mobile:15} {r.status:8}"
                    f" {format_credits(r.balance_units):>14}"
                )
        elif args.action == "credit":
            operator = args.operator or getpass.getuser()
            operator_id = await operator_ensure(username=operator)
            account_id = await account_id_by_username(args.username)
            balance = await credits_adjust(
                account_id=account_id,
                amount=args.amount,
                operator_id=operator_id,
                reason=args.reason,
            )
            print(f"{args.username}: balance {format_credits(balance)} credits")
        return 0
    finally:
        await db.close()
