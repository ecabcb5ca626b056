from myapp.compat import run_coroutine


async def _load() -> int:
    return 1


def load() -> int:
    return run_coroutine(_load())  # expect: LS104 sync-wrapper fix


async def handler() -> int:
    return run_coroutine(_load())  # expect: LS101 async-context fix


def main() -> None:
    print(load())


if __name__ == "__main__":
    run_coroutine(_load())  # expect: LS100 entrypoint ok
