"""GRUPPI: create, rename, sign and delete groups (deleting a group keeps its contacts)."""

from __future__ import annotations

from corriere.platform.clock import utcnow
from corriere.platform.db import Tx, database
from corriere.platform.errors import ConflictError, FieldErrors, NotFoundError

NAME_LIMIT = 100
SIGNATURE_LIMIT = 100


def _check(name: str, signature: str) -> tuple[str, str]:
    name, signature = " ".join(name.split()), signature.strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Indicare il nome del gruppo"
    elif len(name) > NAME_LIMIT:
        errors["name"] = "Il nome del gruppo può avere al massimo 100 caratteri"
    if len(signature) > SIGNATURE_LIMIT:
        errors["signature"] = "La firma può avere al massimo 100 caratteri"
    if errors:
        raise FieldErrors(errors)
    return name, signature


async def _name_taken(tx: Tx, account_id: int, name: str, except_id: int = 0) -> bool:
    found = await tx.fetchval(
        "SELECT id FROM contact_group WHERE account = $1 AND name_key = $2 AND id <> $3",
        account_id,
        name.lower(),
        except_id,
    )
    return found is not None


def _taken() -> ConflictError:
    return ConflictError("Esiste già un gruppo con questo nome", field="name")


async def group_create(
    *, account_id: int, name: str, signature: str = "", web_signup: bool = False
) -> int:
    name, signature = _check(name, signature)
    async with database().transaction() as tx:
        return await group_insert(tx, account_id, name, signature=signature, web_signup=web_signup)


async def group_insert(
    tx: Tx, account_id: int, name: str, *, signature: str = "", web_signup: bool = False
) -> int:
    """Insert a group inside the caller's transaction (imports create theirs on the fly)."""
    if await _name_taken(tx, account_id, name):
        raise _taken()
    new_id = await tx.fetchval(
        "INSERT INTO contact_group (account, name, name_key, signature, web_signup, created_at)"
        " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        account_id,
        name,
        name.lower(),
        signature,
        web_signup,
        utcnow(),
    )
    return int(new_id)


async def group_update(
    *, account_id: int, group_id: int, name: str, signature: str, web_signup: bool
) -> None:
    name, signature = _check(name, signature)
    async with database().transaction() as tx:
        if await _name_taken(tx, account_id, name, group_id):
            raise _taken()
        changed = await tx.execute(
            "UPDATE contact_group SET name = $1, name_key = $2, signature = $3, web_signup = $4"
            " WHERE id = $5 AND account = $6",
            name,
            name.lower(),
            signature,
            web_signup,
            group_id,
            account_id,
        )
    if not changed:
        raise NotFoundError("Gruppo inesistente")


async def group_delete(*, account_id: int, group_id: int) -> None:
    """Delete the group and its memberships; its contacts stay in the address book."""
    async with database().transaction() as tx:
        gone = await tx.execute(
            "DELETE FROM contact_group WHERE id = $1 AND account = $2", group_id, account_id
        )
    if not gone:
        raise NotFoundError("Gruppo inesistente")
