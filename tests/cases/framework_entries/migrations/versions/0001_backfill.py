"""An Alembic migration: the alembic CLI runs upgrade() and downgrade()."""

import asyncio

from alembic import op


async def _backfill() -> None:
    return None


def upgrade() -> None:
    op.execute("select 1")
    asyncio.run(_backfill())  # expect: LS100 entrypoint ok


def downgrade() -> None:
    asyncio.run(_backfill())  # expect: LS100 entrypoint ok
