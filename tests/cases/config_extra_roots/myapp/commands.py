"""An in-house CLI framework: `@command` registers a function as a sub-command."""

COMMANDS: dict[str, object] = {}


def command(fn):
    COMMANDS[fn.__name__] = fn
    return fn
