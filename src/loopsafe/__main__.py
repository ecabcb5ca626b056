"""`python -m loopsafe`."""

from loopsafe.cli import main

main()
