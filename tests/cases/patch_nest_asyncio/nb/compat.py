"""Imported for its side effect: patches the loop at import time."""

import nest_asyncio

nest_asyncio.apply()  # expect: LS204 module-level review
