
import pytest_asyncio
