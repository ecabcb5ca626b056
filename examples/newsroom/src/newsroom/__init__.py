"""newsroom: feed ingestion, search and daily digests."""

__version__ = "0.4.2"
