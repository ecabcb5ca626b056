"""The newsroom blocking API, cell by cell, as the research notebook uses it.

PYTHONPATH=src python scripts/notebook_demo.py [DB_PATH] [FEEDS_DIR]
"""

import sys
from pathlib import Path

from newsroom import api

if "ipykernel" in sys.modules:
    import nest_asyncio

    nest_asyncio.apply()

HERE = Path(__file__).resolve().parent
db_path = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "demo.db"
feeds_dir = Path(sys.argv[2]) if len(sys.argv) > 2 else HERE.parent / "tests" / "fixtures" / "feeds"

# %% ingest everything in the catalogue
for report in api.ingest(db_path, feeds_dir):
    print(f"{report.source:>8}: {report.added} new of {report.seen}")

# %% latest headlines
for article in api.headlines(db_path, limit=5):
    print(f"{article.published:%Y-%m-%d}  [{article.source}] {article.title}")
