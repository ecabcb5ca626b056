import pytest


@pytest.fixture
def sample_entries() -> list[dict[str, str]]:
    return [{"summary": "apt29"}]
