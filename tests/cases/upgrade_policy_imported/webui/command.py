"""The console entry point."""

from webui.app import Dashboard


def main() -> None:
    Dashboard().start()
