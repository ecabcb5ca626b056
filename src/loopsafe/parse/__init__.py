"""Reading and parsing source files robustly (see `source`)."""
