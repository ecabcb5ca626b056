"""Public API: the sync facade is re-exported under another name."""

from .sync_api import get_json as get_json_sync

__all__ = ["get_json_sync"]
