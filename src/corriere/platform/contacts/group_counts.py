"""Folding the pending changes of the group member counts into `contact_group.members`.

On PostgreSQL the triggers on group_member append each statement's change per group to
`group_member_delta` rather than update the group's row (which would keep the group locked
until the writing transaction ends: see the migration "group member counts kept by triggers").
Readers add the pending rows (`queries.MEMBERS`); this folds them in, so there stay few.
"""

from __future__ import annotations

from corriere.platform.db import database


async def group_counts_fold() -> int:
    """Fold every committed pending change into its group's count; how many rows were folded.
    One statement: a change is taken out and added in at once, and a change still being written
    (its transaction open) is not seen and waits for the next fold. Changes of deleted groups
    simply go."""
    db = database()
    if db.kind != "postgres":
        return 0  # SQLite's triggers update the count itself
    async with db.transaction() as tx:
        folded = await tx.fetchval(
            "WITH gone AS (DELETE FROM group_member_delta RETURNING contact_group, delta),"
            " per_group AS (SELECT contact_group, sum(delta) AS n, count(*) AS k FROM gone"
            " GROUP BY contact_group),"
            " changed AS (UPDATE contact_group g SET members = g.members + p.n FROM per_group p"
            " WHERE g.id = p.contact_group)"
            " SELECT coalesce(sum(k), 0) FROM per_group"
        )
    return int(folded or 0)
