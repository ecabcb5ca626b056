"""`loopsafe tests`: sort a test suite into unit / integration / e2e from static evidence,
and optionally mark it (`--apply-markers`)."""

from __future__ import annotations

from loopsafe.testsort.classify import Outcome, classify_files
from loopsafe.testsort.model import Category, Evidence, FileResult, ItemResult

__all__ = ["Category", "Evidence", "FileResult", "ItemResult", "Outcome", "classify_files"]
