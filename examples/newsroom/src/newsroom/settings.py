"""Settings shared by the web app, the worker and the command line.

Everything comes from the environment so that the three processes, started separately,
agree on the database and the feeds directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    db_path: Path
    feeds_dir: Path
    outbox_dir: Path

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            db_path=Path(os.environ.get("NEWSROOM_DB", "newsroom.db")),
            feeds_dir=Path(os.environ.get("NEWSROOM_FEEDS_DIR", "feeds")),
            outbox_dir=Path(os.environ.get("NEWSROOM_OUTBOX", "outbox")),
        )


def get_settings() -> Settings:
    """Read the settings afresh: workers and tests change the environment between calls."""
    return Settings.from_env()
