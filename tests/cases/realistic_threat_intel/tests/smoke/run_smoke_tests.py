# Decision (section 5): code inside an `if __name__ == "__main__":` block is entrypoint
# "anywhere", even in a test directory: it runs as a program, not under pytest.  The rest of
# this module is test code (tests/smoke holds a test file).
import asyncio


async def main() -> int:
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))  # expect: LS100 entrypoint ok
