import asyncio

from alembic import context


async def run_async_migrations() -> None:
    return None


def run_migrations_online() -> None:
    asyncio.run(run_async_migrations())  # expect: LS100 entrypoint ok


if context.is_offline_mode():
    pass
else:
    run_migrations_online()
