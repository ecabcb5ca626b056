"""Render rule documentation for `loopsafe rule` (text) and `docs/rules.md` (Markdown).

The rendered text is a pure function of the catalogue, so `docs/rules.md` can be
regenerated and compared in a test: docs and behaviour cannot drift apart.
"""

from __future__ import annotations

import re

from loopsafe.model import Action, FixSafety
from loopsafe.rules.registry import Rule, all_rules

FORMATS = ("text", "markdown")

# A snippet whose first line is a comment naming a file (`# conftest.py`,
# `# pyproject.toml`) is that file: it sets the language of the rendered block and the
# file name the doc-example tests write it to.
_FILE_COMMENT = re.compile(
    r"^#\s*(?P<name>[\w.-]+(?:/[\w.-]+)*\.(?P<ext>py|toml|ini|cfg))\s*(?:#\s*expect:.*)?$"
)
# A trailing `# expect: CODE category action` comment labels the findings of its line for
# the tests (as in tests/cases); readers of the docs do not see it.
_LABEL = re.compile(r"\s*#\s*expect:.*$")
_LANGUAGES = {"py": "python", "toml": "toml", "ini": "ini", "cfg": "ini"}

_ACTION_TEXT = {
    Action.FIX: "fix (must change)",
    Action.REVIEW: "review (a person decides)",
    Action.OK: "ok (accepted)",
}
_SAFETY_TEXT = {
    FixSafety.SAFE: "safe (the replacement cannot change behaviour)",
    FixSafety.UNSAFE: "unsafe (the change may alter behaviour; a person checks it)",
    FixSafety.NONE: "none",
}


def example_filename(source: str, default: str = "example.py") -> str:
    """The file a snippet stands for: named by its first-line comment, else `default`."""
    first = source.lstrip("\n").split("\n", 1)[0]
    match = _FILE_COMMENT.match(first)
    return match.group("name") if match else default


def shown(source: str) -> str:
    """A snippet as the docs show it: without its `# expect:` labels."""
    return "\n".join(_LABEL.sub("", line) for line in source.split("\n"))


def code_language(source: str) -> str:
    """The fence language for a snippet: from its first-line file comment, else Python."""
    first = source.lstrip("\n").split("\n", 1)[0]
    match = _FILE_COMMENT.match(first)
    return _LANGUAGES[match.group("ext")] if match else "python"


def _sections(doc: Rule) -> list[tuple[str, str, bool]]:
    """(title, body, body_is_code) in ruff's order; empty sections are left out."""
    sections = [
        ("What it does", doc.what_it_does, False),
        ("Why is this bad?", doc.why_bad, False),
        ("Example", shown(doc.example), True),
        ("Use instead", shown(doc.use_instead), True),
        ("Fix safety", doc.fix_notes, False),
    ]
    return [(title, body.strip("\n"), code) for title, body, code in sections if body.strip()]


def _markdown(doc: Rule) -> str:
    out = [
        f"## {doc.code} {doc.name}",
        "",
        doc.summary,
        "",
        f"- Default action: {_ACTION_TEXT[doc.default_action]}",
        f"- Fix: {_SAFETY_TEXT[doc.fix_safety]}",
    ]
    for title, body, is_code in _sections(doc):
        out += ["", f"### {title}", ""]
        out += [f"```{code_language(body)}", body, "```"] if is_code else [body]
    return "\n".join(out)


def _text(doc: Rule) -> str:
    out = [
        f"{doc.code} {doc.name}",
        doc.summary,
        "",
        f"Default action: {_ACTION_TEXT[doc.default_action]}",
        f"Fix: {_SAFETY_TEXT[doc.fix_safety]}",
    ]
    for title, body, is_code in _sections(doc):
        out += ["", title, "-" * len(title)]
        if is_code:
            out += [("    " + line).rstrip() for line in body.split("\n")]
        else:
            out.append(body)
    return "\n".join(out)


def render_rule(doc: Rule, fmt: str = "text") -> str:
    """One rule's documentation, without a trailing newline."""
    if fmt == "markdown":
        return _markdown(doc)
    if fmt == "text":
        return _text(doc)
    raise ValueError(f"unknown rule format {fmt!r}; expected one of {', '.join(FORMATS)}")


def _anchor(doc: Rule) -> str:
    # GitHub's heading anchor for "## LS101 asyncio-run-in-coroutine".
    return f"{doc.code.lower()}-{doc.name}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _verdict_table(rules: list[Rule]) -> str:
    """Which code each kind of site gets where (docs/classification.md section 7)."""
    rows = [
        "## Verdicts by site",
        "",
        "Each site is judged by exactly one rule, from its kind (what it does to the loop) and",
        "its category (where it runs). Sites no rule objects to are accepted (LS100).",
        "",
        "| Site kind | Where | Code | Action |",
        "| --- | --- | --- | --- |",
    ]
    rows += [
        f"| {_cell(kind)} | {_cell(where)} | {code} | {action} |"
        for rule in rules
        for kind, where, code, action in rule.table
    ]
    return "\n".join(rows)


def render_all(fmt: str = "text") -> str:
    """Every rule, in code order, without a trailing newline (the CLI prints it)."""
    rules = all_rules()
    if fmt == "markdown":
        head = [
            "# loopsafe rules",
            "",
            "<!-- Generated by `make docs` (`loopsafe rule --all --format markdown`) from the",
            "     rule modules in src/loopsafe/rules/catalogue/; edit those, not this file. -->",
            "",
            "Every place that enters, creates, fetches or patches an asyncio event loop is a",
            "*site*. loopsafe gives each site a category (where it runs) and one of these",
            "rules, whose action says what to do: **fix** (must change), **review** (a person",
            "decides) or **ok** (accepted, with the reason). See `docs/classification.md` for",
            "how categories are decided.",
            "",
            "| Code | Rule | Action | Fix | Summary |",
            "| --- | --- | --- | --- | --- |",
        ]
        head += [
            f"| [{r.code}](#{_anchor(r)}) | `{r.name}` | {r.default_action.value} "
            f"| {r.fix_safety.value} | {_cell(r.summary)} |"
            for r in rules
        ]
        parts = ["\n".join(head), _verdict_table(rules)]
        return "\n\n".join([*parts, *(render_rule(r, "markdown") for r in rules)])
    if fmt == "text":
        separator = "\n\n" + "=" * 72 + "\n\n"
        return separator.join(render_rule(r, "text") for r in rules)
    raise ValueError(f"unknown rule format {fmt!r}; expected one of {', '.join(FORMATS)}")
