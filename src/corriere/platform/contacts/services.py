"""Changing the address book from the panel: add, edit and delete contacts, and act on many at
once (add to a group, remove from a group, delete).

Every change names the account; a contact, group or selection of another account is not found.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from corriere.platform.clock import utcnow
from corriere.platform.contacts.fields import (
    BadValue,
    ContactValues,
    read_date,
    read_email,
    read_field,
    read_flag,
    read_mobile,
)
from corriere.platform.contacts.queries import ContactFilter, filter_sql
from corriere.platform.db import Tx, database
from corriere.platform.errors import ConflictError, FieldErrors, NotFoundError, ValidationError
from corriere.platform.phones import InvalidNumber

FORM_FIELDS = (
    "first_name",
    "last_name",
    "gender",
    "address",
    "city",
    "province",
    "birth_date",
    "landline",
    "email",
    "notes",
)
BulkAction = Literal["add_to_group", "remove_from_group", "delete"]

BAD_VALUE = "Valore non valido: %(reason)s"
BAD_MOBILE = "Numero di cellulare non valido: %(reason)s"


def contact_values(
    form: Mapping[str, str],
    *,
    prefix: str,
    variables: Mapping[str, str] = {},
    variable_names: Sequence[str] = (),
) -> ContactValues:
    """Read a contact form (the panel's, the sign-up page's) or raise FieldErrors, one message
    per field. `prefix` is the country code chosen next to the number ("" if complete)."""
    errors: dict[str, str] = {}
    params: dict[str, dict[str, str]] = {}
    values = ContactValues()
    try:
        values.mobile = read_mobile(form.get("mobile", ""), prefix.strip().lstrip("+")).e164
    except InvalidNumber as exc:
        errors["mobile"], params["mobile"] = BAD_MOBILE, {"reason": str(exc)}
    for name in FORM_FIELDS:
        raw = form.get(name, "")
        try:
            if name == "birth_date":  # <input type="date"> sends 1978-04-21; 21/04/1978 too
                values.birth_date = read_date(raw)
            elif name == "email":
                values.email = read_email(raw)
            else:
                setattr(values, name, read_field(name, raw))
        except BadValue as exc:
            errors[name], params[name] = BAD_VALUE, {"reason": str(exc)}
    values.birthday_sms = bool(read_flag(form.get("birthday_sms", "")) or False)
    for name in variable_names:
        text = variables.get(name, "").strip()
        if len(text) > 500:
            errors[f"var_{name}"] = BAD_VALUE
            params[f"var_{name}"] = {"reason": "troppo lungo (al massimo 500 caratteri)"}
        elif text:
            values.variables[name] = text
    if errors:
        raise FieldErrors(errors, params)
    return values


async def _check_groups(tx: Tx, account_id: int, group_ids: Sequence[int]) -> list[int]:
    wanted = sorted(set(group_ids))
    if not wanted:
        return []
    found = await tx.fetch(
        f"SELECT id FROM contact_group WHERE account = $1 AND id {tx.in_ids('$2')}",
        account_id,
        tx.ids(wanted),
    )
    if len(found) != len(wanted):
        raise NotFoundError("Gruppo inesistente")
    return wanted


async def _number_taken(tx: Tx, account_id: int, mobile: str, except_id: int = 0) -> int | None:
    value = await tx.fetchval(
        "SELECT id FROM contact WHERE account = $1 AND mobile = $2 AND id <> $3",
        account_id,
        mobile,
        except_id,
    )
    return None if value is None else int(value)


def _duplicate(existing: int) -> ConflictError:
    return ConflictError("Questo numero è già in rubrica", field="mobile", contact_id=existing)


async def contact_create(
    *,
    account_id: int,
    values: ContactValues,
    group_ids: Sequence[int] = (),
    source: str = "panel",
) -> int:
    """Store a new contact (already read by `contact_values`) in the given groups; its id."""
    async with database().transaction() as tx:
        groups = await _check_groups(tx, account_id, group_ids)
        existing = await _number_taken(tx, account_id, values.mobile)
        if existing is not None:
            raise _duplicate(existing)
        contact_id = await insert_contact(tx, account_id, values, source=source)
        await _join(tx, contact_id, groups)
    return contact_id


# The stored columns of a contact, in the order `_stored` gives their values.
_STORED = (
    "mobile, first_name, last_name, first_key, last_key, gender, address, city, province,"
    " birth_date, landline, email, notes, birthday_sms, variables"
)


def _stored(values: ContactValues, variables: dict[str, str]) -> tuple[Any, ...]:
    return (
        values.mobile,
        values.first_name,
        values.last_name,
        values.first_key,
        values.last_key,
        values.gender,
        values.address,
        values.city,
        values.province,
        values.birth_date,
        values.landline,
        values.email,
        values.notes,
        bool(values.birthday_sms),
        json.dumps(variables, ensure_ascii=False),
    )


async def insert_contact(tx: Tx, account_id: int, values: ContactValues, *, source: str) -> int:
    new_id = await tx.fetchval(
        f"INSERT INTO contact (account, {_STORED}, source, created_at, updated_at) VALUES ($1,"
        " $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18)"
        " RETURNING id",
        account_id,
        *_stored(values, values.variables),
        source,
        utcnow(),
    )
    return int(new_id)


async def _join(tx: Tx, contact_id: int, group_ids: Sequence[int]) -> None:
    now = utcnow()
    await tx.insert_many(
        "group_member",
        ("contact_group", "contact", "created_at"),
        [(g, contact_id, now) for g in group_ids],
    )


async def contact_update(
    *,
    account_id: int,
    contact_id: int,
    values: ContactValues,
    group_ids: Sequence[int],
    variable_names: Sequence[str] = (),
) -> None:
    """Replace the contact's fields and groups with the form's. Values of the variables not in
    `variable_names` (deactivated ones, not on the form) are kept."""
    async with database().transaction() as tx:
        row = await tx.fetchrow(
            "SELECT variables FROM contact WHERE id = $1 AND account = $2", contact_id, account_id
        )
        if row is None:
            raise NotFoundError("Contatto inesistente")
        groups = await _check_groups(tx, account_id, group_ids)
        existing = await _number_taken(tx, account_id, values.mobile, contact_id)
        if existing is not None:
            raise _duplicate(existing)
        kept = {
            k: v for k, v in json.loads(row["variables"] or "{}").items() if k not in variable_names
        }
        merged = {**kept, **values.variables}
        assignments = ", ".join(
            f"{column.strip()} = ${n}" for n, column in enumerate(_STORED.split(","), 1)
        )
        await tx.execute(
            f"UPDATE contact SET {assignments}, updated_at = $16 WHERE id = $17 AND account = $18",
            *_stored(values, merged),
            utcnow(),
            contact_id,
            account_id,
        )
        await tx.execute("DELETE FROM group_member WHERE contact = $1", contact_id)
        await _join(tx, contact_id, groups)


async def contact_delete(*, account_id: int, contact_id: int) -> None:
    async with database().transaction() as tx:
        gone = await tx.execute(
            "DELETE FROM contact WHERE id = $1 AND account = $2", contact_id, account_id
        )
    if not gone:
        raise NotFoundError("Contatto inesistente")


@dataclass(frozen=True, slots=True)
class Selection:
    """The contacts a bulk action is about: ticked ids, or every result of a search."""

    ids: tuple[int, ...] = ()
    every_result_of: ContactFilter | None = None


async def _selected_sql(tx: Tx, account_id: int, selection: Selection) -> tuple[str, list[Any]]:
    """A subquery of the selected contacts' ids (the account's only) and its arguments."""
    if selection.every_result_of is not None:
        clause, args = filter_sql(tx.kind, account_id, selection.every_result_of)
        return f"SELECT c.id FROM contact c WHERE {clause}", args
    if not selection.ids:
        raise ValidationError("Nessun contatto selezionato")
    return (
        f"SELECT c.id FROM contact c WHERE c.account = $1 AND c.id {tx.in_ids('$2')}",
        [account_id, tx.ids(sorted(set(selection.ids)))],
    )


async def contacts_bulk(
    *,
    account_id: int,
    action: BulkAction,
    selection: Selection,
    group_id: int | None = None,
) -> int:
    """Apply `action` to the selected contacts in one transaction; how many it changed."""
    async with database().transaction() as tx:
        chosen, args = await _selected_sql(tx, account_id, selection)
        mark = f"${len(args) + 1}"
        if action == "delete":
            return await tx.execute(f"DELETE FROM contact WHERE id IN ({chosen})", *args)
        if group_id is None:
            raise ValidationError("Scegli un gruppo", field="group")
        await _check_groups(tx, account_id, [group_id])
        if action == "add_to_group":
            if tx.kind == "postgres":
                # The memberships' contacts are held until commit: no foreign key checks
                # them there (see the address book indexes migration).
                chosen += " FOR KEY SHARE OF c"
            return await tx.execute(
                "INSERT INTO group_member (contact_group, contact, created_at)"
                f" SELECT {tx.typed(mark, 'bigint')}, s.id,"
                f" {tx.typed(f'${len(args) + 2}', 'timestamptz')} FROM ({chosen}) s"
                " WHERE NOT EXISTS (SELECT 1 FROM group_member m"
                f" WHERE m.contact_group = {mark} AND m.contact = s.id)",
                *args,
                group_id,
                utcnow(),
            )
        if action == "remove_from_group":
            return await tx.execute(
                f"DELETE FROM group_member WHERE contact_group = {mark} AND contact IN ({chosen})",
                *args,
                group_id,
            )
    raise ValidationError("Azione sconosciuta")
