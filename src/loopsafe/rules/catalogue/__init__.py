"""The rule catalogue: one module per rule, found by `loopsafe.rules.registry`."""
