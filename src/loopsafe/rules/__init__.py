"""Rules: turn classified sites into findings (code, action, message, fix).

One module per rule in `catalogue/`, found by `registry`; `evaluate` applies them to every
site. Listing the rule codes (`registry.rule_codes`) imports nothing, so the command line
can check `--select` without loading the analyser.
"""
