"""An in-house task queue: `@job` registers a function that a worker process runs."""

REGISTRY: dict[str, object] = {}


def job(fn):
    REGISTRY[fn.__name__] = fn
    return fn
