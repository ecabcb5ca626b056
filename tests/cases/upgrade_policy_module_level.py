# /// script
# requires-python = ">=3.12"
# ///
"""A script that sets the policy at its top and runs far below: everything between (and
any other loop the process makes) sees the policy, so no rewrite is clear."""

import asyncio
import sys

if sys.platform == "win32":
    asyncio.set_event_loop_policy(asyncio.WindowsSelectorEventLoopPolicy())  # expect: LS403 entrypoint fix

CONFIG = {"retries": 3}


async def main() -> None:
    await asyncio.sleep(CONFIG["retries"] * 0)


if __name__ == "__main__":
    asyncio.run(main())  # expect: LS100 entrypoint ok
