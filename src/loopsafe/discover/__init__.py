"""Finding the files and the settings a scan covers."""

from __future__ import annotations

from loopsafe.discover.config import Config, ConfigError, load_config
from loopsafe.discover.files import (
    Discovery,
    DiscoveryError,
    SourceFile,
    discover,
    find_root,
    module_name,
)

__all__ = [
    "Config",
    "ConfigError",
    "Discovery",
    "DiscoveryError",
    "SourceFile",
    "discover",
    "find_root",
    "load_config",
    "module_name",
]
