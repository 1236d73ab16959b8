"""``python -m sganctl``: the same command line as the ``sganctl`` script."""

from .cli import main

main(prog_name="sganctl")
