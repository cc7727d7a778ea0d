"""``python -m coursekit.cli``: the command line, as a hub's services entry can name it."""

from coursekit.cli import main

main(prog_name="coursekit")
