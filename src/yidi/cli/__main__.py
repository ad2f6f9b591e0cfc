"""`python -m yidi.cli …`: the same commands as `yidi …`."""

from yidi.cli.main import main

main()
