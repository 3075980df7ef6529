"""`python -m paramcalc` runs the CLI."""

from paramcalc.cli import main

main()
