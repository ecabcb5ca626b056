"""`loopsafe report`: the audit report, computed end to end (Markdown or JSON)."""
