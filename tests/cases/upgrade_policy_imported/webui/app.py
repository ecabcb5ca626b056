"""Sets the policy when it is imported: the command module imports it, so this is library
code run at import time, not a script's top level (the importer mentions no asyncio: it is
read to tell the two apart even though the policy's verdict does not depend on callers)."""

import asyncio
import sys

if sys.platform.startswith("win"):
    asyncio.set_event_loop_policy(asyncio.WindowsSelectorEventLoopPolicy())  # expect: LS403 module-level fix


class Dashboard:
    def start(self) -> None:
        print("serving")
