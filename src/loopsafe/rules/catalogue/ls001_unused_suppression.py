"""LS001 unused-suppression: A `# loopsafe: ignore[...]` or `# noqa: LS...` comment that suppresses nothing."""

from __future__ import annotations

import ast
from collections.abc import Collection

from loopsafe.facts.suppressions import BLANKET, SuppressionComment, without_codes
from loopsafe.model import Action, Category, Finding, Fix, FixSafety, Op, OpKind
from loopsafe.rules.registry import Rule, doc, produces, rule_codes, snippet

CODE = "LS001"


class UnusedSuppression(Rule):
    code = CODE
    name = "unused-suppression"
    summary = "A `# loopsafe: ignore[...]` or `# noqa: LS...` comment that suppresses nothing."
    default_action = Action.FIX
    fix_safety = FixSafety.SAFE
    what_it_does = doc(
        """
        Reports each LS code in a suppression comment (`# loopsafe: ignore[LS101]`,
        `# noqa: LS101`) that hides no finding on its line, and a blanket
        `# loopsafe: ignore` on a line with no finding at all. Codes of other tools in a
        `# noqa` (`E501`, `F401`) are never reported. Like every rule it is off when
        `--select` / `ignore` leave it out; a suppression is judged against every rule,
        so selecting other codes never makes a used one look unused.
        """
    )
    why_bad = doc(
        """
        A suppression outlives the finding it was written for: once the code is fixed,
        the comment only hides the next problem that appears on that line, and readers
        take it as a sign that something there is still wrong. Comments on the line
        above the code they meant to silence, or with a mistyped code, never worked.
        """
    )
    example = snippet(
        """
        import asyncio


        async def handler() -> None:
            loop = asyncio.get_running_loop()  # loopsafe: ignore[LS201]  # expect: LS001 suppression fix
            await loop.shutdown_asyncgens()
        """
    )
    use_instead = snippet(
        """
        import asyncio


        async def handler() -> None:
            loop = asyncio.get_running_loop()
            await loop.shutdown_asyncgens()
        """
    )
    fix_notes = doc(
        """
        Safe fix: the unused codes leave the comment; a directive left naming no code
        goes, and the rest of the comment (other tools' codes, your own words) stays.
        `loopsafe fix --select LS001` removes every unused suppression and nothing else.
        """
    )
    invalid = (
        snippet(
            """
            import time


            def pause() -> None:
                time.sleep(1)  # noqa: E501, LS101  # expect: LS001 suppression fix
            """
        ),
        snippet(
            """
            import asyncio


            async def handler() -> None:
                asyncio.run(work())  # loopsafe: ignore[LS110]  # expect: LS101 async-context fix; LS001 suppression fix
            """
        ),
    )
    valid = (
        snippet(
            """
            import asyncio


            async def handler() -> None:
                asyncio.run(work())  # loopsafe: ignore[LS101]
                print("ok")  # noqa: T201
            """
        ),
    )
    outcomes = produces(CODE, Action.FIX, Category.SUPPRESSION)
    table = (("comment", "a suppression comment", CODE, "fix"),)

    # Not a site: the pipeline reports suppression comments that hid no finding
    # (`unused_suppressions`), after every other rule has run.


def unused_suppressions(
    path: str,
    module: str,
    text: str,
    comments: list[SuppressionComment],
    used: dict[int, set[str]],
) -> list[Finding]:
    """LS001 for each comment with codes that hid nothing (`used`: line -> the codes of
    its comment that hid a finding). A code naming LS001 itself is used when it hides this
    rule's own finding on the line."""
    out: list[Finding] = []
    scopes: _Scopes | None = None
    known = rule_codes()
    for comment in comments:
        hit = set().union(*(used.get(line, set()) for line in comment.lines or (comment.line,)))
        own = [c for c in comment.codes if c != BLANKET and CODE.startswith(c)]
        unused = [c for c in comment.codes if c not in hit and c not in own]
        if not unused:
            continue
        if own:  # `# loopsafe: ignore[LS101, LS001]`: told to keep quiet about it
            continue
        if scopes is None:
            scopes = _Scopes(text, module)
        out.append(
            Finding(
                path=path,
                line=comment.line,
                col=comment.col,
                end_line=comment.line,
                end_col=comment.end_col,
                code=CODE,
                rule=UnusedSuppression.name,
                category=Category.SUPPRESSION,
                action=Action.FIX,
                message=_message(unused, known),
                fix=Fix(
                    FixSafety.SAFE,
                    replacement=without_codes(comment.text, unused),
                    edits=(
                        (
                            path,
                            Op(
                                OpKind.DROP_SUPPRESSION, comment.line, comment.col, ",".join(unused)
                            ),
                        ),
                    ),
                ),
                function=scopes.label(comment.line),
            )
        )
    return out


def _message(unused: list[str], known: Collection[str]) -> str:
    if unused == [BLANKET]:
        return "Unused suppression: `# loopsafe: ignore` hides no finding on this line; remove it."
    named = [c for c in unused if c != BLANKET]
    listed = ", ".join(f"`{c}`" for c in named)
    unknown = [c for c in named if not any(k.startswith(c) for k in known)]
    verb = "hides" if len(named) == 1 else "hide"
    text = f"Unused suppression: {listed} {verb} no finding on this line"
    if unknown:
        text += f" ({', '.join(unknown)}: no such loopsafe code)"
    if BLANKET in unused:
        text += ", nor does the blanket `# loopsafe: ignore`"
    return text + "; remove " + ("it." if len(unused) == 1 else "them.")


class _Scopes:
    """The innermost function or class around a line, for the finding's `function`."""

    def __init__(self, text: str, module: str) -> None:
        self.module = module
        self.spans: list[tuple[int, int, str]] = []
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            return
        self._walk(tree, module)

    def _walk(self, node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}.{child.name}"
                self.spans.append((child.lineno, child.end_lineno or child.lineno, name))
                self._walk(child, name)
            else:
                self._walk(child, prefix)

    def label(self, line: int) -> str:
        inside = [(s, name) for s, e, name in self.spans if s <= line <= e]
        return max(inside)[1] if inside else self.module
