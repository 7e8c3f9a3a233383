"""GESTIONE VARIABILI: the account's extra contact fields.

A variable's name is a placeholder in texts (`%polizza%`) and a column header in imports, so it is
lower case letters, digits and underscores, and cannot take the name of a standard field. Values
live with each contact (`contact.variables`); deleting a variable deletes its values.
"""

from __future__ import annotations

from corriere.platform.clock import utcnow
from corriere.platform.contacts.fields import VARIABLE_NAME, header_key, reserved_names
from corriere.platform.db import database
from corriere.platform.errors import ConflictError, FieldErrors, NotFoundError, ValidationError

MAX_VARIABLES = 50


async def variable_create(*, account_id: int, name: str, description: str = "") -> int:
    name, description = name.strip().lower(), " ".join(description.split())
    errors: dict[str, str] = {}
    if not VARIABLE_NAME.match(name):
        errors["name"] = (
            "Nome non valido: da 1 a 32 caratteri tra lettere minuscole, cifre e trattino"
            " basso, iniziando con una lettera"
        )
    elif name in reserved_names() or header_key(name) in reserved_names():
        errors["name"] = "Questo nome è già un campo della rubrica: scegline un altro"
    if len(description) > 200:
        errors["description"] = "La descrizione può avere al massimo 200 caratteri"
    if errors:
        raise FieldErrors(errors)
    async with database().transaction() as tx:
        count = int(
            await tx.fetchval("SELECT count(*) FROM custom_variable WHERE account = $1", account_id)
        )
        if count >= MAX_VARIABLES:
            raise ValidationError("Hai già il numero massimo di variabili (50)", field="name")
        taken = await tx.fetchval(
            "SELECT id FROM custom_variable WHERE account = $1 AND name = $2", account_id, name
        )
        if taken is not None:
            raise ConflictError("Esiste già una variabile con questo nome", field="name")
        new_id = await tx.fetchval(
            "INSERT INTO custom_variable (account, name, description, active, created_at)"
            " VALUES ($1, $2, $3, true, $4) RETURNING id",
            account_id,
            name,
            description,
            utcnow(),
        )
    return int(new_id)


async def variable_set_active(*, account_id: int, variable_id: int, active: bool) -> None:
    async with database().transaction() as tx:
        changed = await tx.execute(
            "UPDATE custom_variable SET active = $1 WHERE id = $2 AND account = $3",
            active,
            variable_id,
            account_id,
        )
    if not changed:
        raise NotFoundError("Variabile inesistente")


async def variable_delete(*, account_id: int, variable_id: int) -> int:
    """Delete the variable and every contact's value of it; how many values went with it."""
    async with database().transaction() as tx:
        name = await tx.fetchval(
            "SELECT name FROM custom_variable WHERE id = $1 AND account = $2",
            variable_id,
            account_id,
        )
        if name is None:
            raise NotFoundError("Variabile inesistente")
        # The name is a checked identifier ([a-z][a-z0-9_]*): safe inside the JSON path.
        if tx.kind == "sqlite":
            removed = await tx.execute(
                f"UPDATE contact SET variables = json_remove(variables, '$.{name}')"
                f" WHERE account = $1 AND json_extract(variables, '$.{name}') IS NOT NULL",
                account_id,
            )
        else:
            removed = await tx.execute(
                "UPDATE contact SET variables = (variables::jsonb - $2)::text"
                " WHERE account = $1 AND variables::jsonb ? $2",
                account_id,
                name,
            )
        await tx.execute("DELETE FROM custom_variable WHERE id = $1", variable_id)
    return removed
