"""Reading the address book: search with filters and pages, one contact, groups with their counts,
variables, numbers present in more than one group.

Every query takes the account and filters on it: another account's ids simply find nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from corriere.platform.clock import as_utc
from corriere.platform.contacts.fields import fold
from corriere.platform.contacts.signup_records import SignupRecord, latest_subscriptions
from corriere.platform.db import Kind, database

Sort = Literal["recent", "surname"]
PER_PAGE = 50

CONTACT_COLUMNS = (
    "c.id, c.mobile, c.first_name, c.last_name, c.gender, c.address, c.city, c.province,"
    " c.birth_date, c.landline, c.email, c.notes, c.birthday_sms, c.variables, c.source,"
    " c.created_at, c.updated_at"
)


@dataclass(frozen=True, slots=True)
class ContactFilter:
    """Which contacts a list (or a bulk action, or an export) is about."""

    text: str = ""  # words, each matching part of the name, the surname or the number
    group_id: int | None = None
    ungrouped: bool = False  # only contacts in no group


@dataclass(frozen=True, slots=True)
class GroupRef:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class ContactRow:
    id: int
    mobile: str
    first_name: str
    last_name: str
    gender: str
    address: str
    city: str
    province: str
    birth_date: date | None
    landline: str
    email: str
    notes: str
    birthday_sms: bool
    variables: dict[str, str]
    source: str
    created_at: datetime
    updated_at: datetime
    groups: tuple[GroupRef, ...] = ()

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


@dataclass(frozen=True, slots=True)
class ContactPage:
    rows: list[ContactRow]
    total: int
    page: int
    per_page: int
    # More than `total` matches, and pages after this one: a search with too many matches to
    # count them all at the cost of one page (see `MATCHES_IN_ONE_PASS`).
    more: bool = False

    @property
    def pages(self) -> int:
        if self.more:
            return self.page + 1
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        return 0 if not self.total else (self.page - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.per_page)


@dataclass(frozen=True, slots=True)
class GroupRow:
    id: int
    name: str
    signature: str
    web_signup: bool
    members: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class VariableRow:
    id: int
    name: str
    description: str
    active: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DuplicateRow:
    mobile: str
    name: str
    contact_id: int
    groups: tuple[GroupRef, ...] = field(default=())


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _trigram_column(column: str, word: str) -> str:
    """`column` for a LIKE the trigram index serves; for a word too short to have a trigram,
    an expression that hides the index, which would otherwise be read whole for nothing ("de"
    in "de luca"): the other words' index, or the account's own rows, find the matches."""
    return f"({column} || '')" if len(word) < 3 else column


def filter_sql(
    kind: Kind, account_id: int, flt: ContactFilter, *, first_arg: int = 1
) -> tuple[str, list[Any]]:
    """The WHERE clause (on `contact c`) for `flt`, and its arguments from `$first_arg` on."""
    args: list[Any] = [account_id]
    where = [f"c.account = ${first_arg}"]

    def arg(value: Any) -> str:
        args.append(value)
        return f"${first_arg + len(args) - 1}"

    for word in fold(flt.text).split()[:8]:
        digits = re.sub(r"\D", "", word)
        if digits and len(digits) >= len(word) - 1:  # "335", "+39335", "335-12": a number
            if kind == "sqlite":
                options = [f"instr(c.mobile, {arg(digits)})"]
            else:
                options = [f"{_trigram_column('c.mobile', digits)} LIKE {arg(_like(digits))}"]
        elif kind == "sqlite":
            # instr() beats LIKE on SQLite, and the keys are already folded to lower case.
            name = arg(word)
            options = [f"instr(c.first_key, {name})", f"instr(c.last_key, {name})"]
        else:
            # LIKE, which the trigram index serves (its default escape is the backslash).
            pattern = arg(_like(word))
            options = [
                f"{_trigram_column(column, word)} LIKE {pattern}"
                for column in ("c.first_key", "c.last_key")
            ]
        where.append("(" + " OR ".join(options) + ")")
    if flt.group_id is not None:
        where.append(
            "EXISTS (SELECT 1 FROM group_member m WHERE m.contact = c.id"
            f" AND m.contact_group = {arg(flt.group_id)})"
        )
    if flt.ungrouped:
        where.append("NOT EXISTS (SELECT 1 FROM group_member m WHERE m.contact = c.id)")
    return " AND ".join(where), args


def contact_row(r: dict[str, Any], groups: tuple[GroupRef, ...] = ()) -> ContactRow:
    birth = r["birth_date"]
    if isinstance(birth, str):
        birth = date.fromisoformat(birth) if birth else None
    return ContactRow(
        id=int(r["id"]),
        mobile=r["mobile"],
        first_name=r["first_name"],
        last_name=r["last_name"],
        gender=r["gender"],
        address=r["address"],
        city=r["city"],
        province=r["province"],
        birth_date=birth,
        landline=r["landline"],
        email=r["email"],
        notes=r["notes"],
        birthday_sms=bool(r["birthday_sms"]),
        variables=json.loads(r["variables"] or "{}"),
        source=r["source"],
        created_at=as_utc(r["created_at"]),
        updated_at=as_utc(r["updated_at"]),
        groups=groups,
    )


ORDER = {"recent": "c.created_at DESC, c.id DESC", "surname": "c.last_key, c.first_key, c.mobile"}
# Among a search's matches: ids grow with creation, so the newest are the highest ids (and the
# id is in SQLite's covering index, where created_at is not).
MATCH_ORDER = {"recent": "c.id DESC", "surname": "c.last_key, c.first_key, c.mobile"}


async def contacts_search(
    account_id: int,
    flt: ContactFilter = ContactFilter(),
    *,
    sort: Sort = "recent",
    page: int = 1,
    per_page: int = PER_PAGE,
) -> ContactPage:
    """A page of the account's contacts matching `flt`, with each one's groups and the total."""
    db = database()
    clause, args = filter_sql(db.kind, account_id, flt)
    page = max(1, page)
    more = False
    async with db.reading() as tx:
        if not flt.text.strip():
            # The whole book or a group: the page walks an index; the count reads one.
            rows = await tx.fetch(
                f"SELECT {CONTACT_COLUMNS} FROM contact c WHERE {clause}"
                f" ORDER BY {ORDER[sort]} LIMIT {int(per_page)} OFFSET {(page - 1) * per_page}",
                *args,
            )
            if page == 1 and len(rows) < per_page:
                total = len(rows)
            elif flt.group_id is not None and not flt.ungrouped:
                total = int(
                    await tx.fetchval(
                        f"SELECT {MEMBERS} FROM contact_group g WHERE g.id = $1 AND g.account = $2",
                        flt.group_id,
                        account_id,
                    )
                    or 0
                )
            else:
                total = int(
                    await tx.fetchval(f"SELECT count(*) FROM contact c WHERE {clause}", *args)
                )
        else:
            rows, total, more = await _search_page(tx, clause, args, sort, page, per_page)
        groups = await _groups_of(tx, [int(r["id"]) for r in rows])
    return ContactPage(
        rows=[contact_row(r, groups.get(int(r["id"]), ())) for r in rows],
        total=total,
        page=page,
        per_page=per_page,
        more=more,
    )


# A search with up to this many matches is answered in one pass over them, counted. Beyond
# that the page is read walking the list's own index (it soon fills a page) and the matches are
# not counted: the page says "more than 2 000", as counting a common syllable across a big book
# would cost several pages' time. (A bulk action on every result counts them exactly.)
MATCHES_IN_ONE_PASS = 2000


async def _search_page(
    tx: Any, clause: str, args: list[Any], sort: Sort, page: int, per_page: int
) -> tuple[list[dict[str, Any]], int, bool]:
    """The page's rows and the count of matches, or (True) a lower bound of it when there are
    too many to count and pages follow."""
    # SQLite reads the matches from the covering surname index, denser than the table;
    # PostgreSQL finds them through the trigram index. MATERIALIZED keeps the planner from
    # walking the list's order instead, which reads most of the account when matches are rare.
    hint = " INDEXED BY contact_surname" if tx.kind == "sqlite" else ""
    offset = (page - 1) * per_page
    found = await tx.fetch(
        "WITH matches AS MATERIALIZED (SELECT c.id, c.last_key, c.first_key, c.mobile"
        f" FROM contact c{hint} WHERE {clause} LIMIT {MATCHES_IN_ONE_PASS + 1})"
        " SELECT c.id, count(*) OVER () AS total"
        f" FROM matches c ORDER BY {MATCH_ORDER[sort]} LIMIT {int(per_page)} OFFSET {offset}",
        *args,
    )
    total = int(found[0]["total"]) if found else 0
    more = False
    if total > MATCHES_IN_ONE_PASS or (not found and page > 1):
        found = await tx.fetch(
            f"SELECT c.id FROM contact c WHERE {clause} ORDER BY {ORDER[sort]}"
            f" LIMIT {int(per_page) + 1} OFFSET {offset}",
            *args,
        )
        if found or page == 1:
            more = len(found) > per_page
            found = found[:per_page]
            # The last page knows the exact count; the others a lower bound.
            total = max(MATCHES_IN_ONE_PASS, offset + len(found)) if more else offset + len(found)
        else:  # past the last page (a hand-made URL): count, so the caller can go back
            total = int(
                await tx.fetchval(f"SELECT count(*) FROM contact c{hint} WHERE {clause}", *args)
            )
            return [], total, False
    if not found:
        return [], total, more
    ids = [int(r["id"]) for r in found]
    fetched = await tx.fetch(
        f"SELECT {CONTACT_COLUMNS} FROM contact c WHERE c.id {tx.in_ids('$1')}", tx.ids(ids)
    )
    by_id = {int(r["id"]): r for r in fetched}
    return [by_id[i] for i in ids if i in by_id], total, more


async def _groups_of(tx: Any, contact_ids: list[int]) -> dict[int, tuple[GroupRef, ...]]:
    if not contact_ids:
        return {}
    rows = await tx.fetch(
        "SELECT m.contact, g.id, g.name FROM group_member m"
        " JOIN contact_group g ON g.id = m.contact_group"
        f" WHERE m.contact {tx.in_ids('$1')} ORDER BY g.name_key",
        tx.ids(contact_ids),
    )
    found: dict[int, list[GroupRef]] = {}
    for r in rows:
        found.setdefault(int(r["contact"]), []).append(GroupRef(int(r["id"]), r["name"]))
    return {k: tuple(v) for k, v in found.items()}


async def contact_get(account_id: int, contact_id: int) -> ContactRow | None:
    db = database()
    async with db.reading() as tx:
        row = await tx.fetchrow(
            f"SELECT {CONTACT_COLUMNS} FROM contact c WHERE c.id = $1 AND c.account = $2",
            contact_id,
            account_id,
        )
        if row is None:
            return None
        groups = await _groups_of(tx, [contact_id])
    return contact_row(row, groups.get(contact_id, ()))


async def contact_by_mobile(account_id: int, mobile: str) -> ContactRow | None:
    db = database()
    async with db.reading() as tx:
        row = await tx.fetchrow(
            f"SELECT {CONTACT_COLUMNS} FROM contact c WHERE c.account = $1 AND c.mobile = $2",
            account_id,
            mobile,
        )
        if row is None:
            return None
        groups = await _groups_of(tx, [int(row["id"])])
    return contact_row(row, groups.get(int(row["id"]), ()))


async def contacts_count(
    account_id: int,
    flt: ContactFilter = ContactFilter(),
) -> int:
    db = database()
    clause, args = filter_sql(db.kind, account_id, flt)
    return int(await db.fetchval(f"SELECT count(*) FROM contact c WHERE {clause}", *args))


def _group(r: dict[str, Any]) -> GroupRow:
    return GroupRow(
        id=int(r["id"]),
        name=r["name"],
        signature=r["signature"],
        web_signup=bool(r["web_signup"]),
        members=int(r["members"]),
        created_at=as_utc(r["created_at"]),
    )


# A group's member count is kept by triggers on group_member (migration "group member counts
# kept by triggers"): `members`, plus on PostgreSQL the changes not yet folded into it
# (`group_counts.group_counts_fold`). Counting a big group at every page view (each list of
# groups shows the counts) cost PostgreSQL ~10 ms per 100 000 members.
MEMBERS = (
    "g.members + coalesce((SELECT sum(d.delta) FROM group_member_delta d"
    " WHERE d.contact_group = g.id), 0)"
)
_GROUP_SELECT = (
    "SELECT g.id, g.name, g.signature, g.web_signup, g.created_at,"
    f" {MEMBERS} AS members FROM contact_group g"
)


async def groups_list(account_id: int, *, web_signup_only: bool = False) -> list[GroupRow]:
    """The account's groups by name, each with how many contacts it holds (every list of groups
    in the panel shows the counts)."""
    extra = " AND g.web_signup = true" if web_signup_only else ""
    rows = await database().fetch(
        f"{_GROUP_SELECT} WHERE g.account = $1{extra} ORDER BY g.name_key", account_id
    )
    return [_group(r) for r in rows]


async def group_get(account_id: int, group_id: int) -> GroupRow | None:
    row = await database().fetchrow(
        f"{_GROUP_SELECT} WHERE g.id = $1 AND g.account = $2", group_id, account_id
    )
    return _group(row) if row else None


async def variables_list(account_id: int, *, active_only: bool = False) -> list[VariableRow]:
    extra = " AND active = true" if active_only else ""
    rows = await database().fetch(
        "SELECT id, name, description, active, created_at FROM custom_variable"
        f" WHERE account = $1{extra} ORDER BY name",
        account_id,
    )
    return [
        VariableRow(
            id=int(r["id"]),
            name=r["name"],
            description=r["description"],
            active=bool(r["active"]),
            created_at=as_utc(r["created_at"]),
        )
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class DuplicatePage:
    rows: list[DuplicateRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


async def duplicates_across_groups(
    account_id: int, *, page: int = 1, per_page: int = PER_PAGE
) -> DuplicatePage:
    """CONTROLLO NUMERI DOPPI: the contacts that belong to more than one group, with their
    groups (a group send removes the duplicates; this shows where they are)."""
    db = database()
    page = max(1, page)
    many = (
        "SELECT m.contact FROM group_member m JOIN contact c ON c.id = m.contact"
        " WHERE c.account = $1 GROUP BY m.contact HAVING count(*) > 1"
    )
    async with db.reading() as tx:
        total = int(await tx.fetchval(f"SELECT count(*) FROM ({many}) d", account_id))
        rows = await tx.fetch(
            "SELECT c.id, c.mobile, c.first_name, c.last_name FROM contact c"
            f" WHERE c.id IN ({many}) ORDER BY c.mobile"
            f" LIMIT {int(per_page)} OFFSET {int((page - 1) * per_page)}",
            account_id,
        )
        groups = await _groups_of(tx, [int(r["id"]) for r in rows])
    return DuplicatePage(
        rows=[
            DuplicateRow(
                mobile=r["mobile"],
                name=" ".join(p for p in (r["first_name"], r["last_name"]) if p),
                contact_id=int(r["id"]),
                groups=groups.get(int(r["id"]), ()),
            )
            for r in rows
        ],
        total=total,
        page=page,
        per_page=per_page,
    )


@dataclass(frozen=True, slots=True)
class NumberOwner:
    """Support's cross-account lookup: which accounts hold a number, in which groups, and the
    evidence of its latest web sign-up if it came that way."""

    account_id: int
    username: str
    contact_id: int
    name: str
    groups: tuple[GroupRef, ...]
    source: str
    created_at: datetime
    signup: SignupRecord | None = None


async def number_lookup(mobile_e164: str) -> list[NumberOwner]:
    db = database()
    async with db.reading() as tx:
        rows = await tx.fetch(
            "SELECT c.id, c.account, a.username, c.first_name, c.last_name, c.source,"
            " c.created_at FROM contact c JOIN account a ON a.id = c.account"
            " WHERE c.mobile = $1 ORDER BY a.username_key",
            mobile_e164,
        )
        groups = await _groups_of(tx, [int(r["id"]) for r in rows])
        signups = await latest_subscriptions(tx, [(int(r["account"]), int(r["id"])) for r in rows])
    return [
        NumberOwner(
            account_id=int(r["account"]),
            username=r["username"],
            contact_id=int(r["id"]),
            name=" ".join(p for p in (r["first_name"], r["last_name"]) if p),
            groups=groups.get(int(r["id"]), ()),
            source=r["source"],
            created_at=as_utc(r["created_at"]),
            signup=signups.get(int(r["id"])),
        )
        for r in rows
    ]
