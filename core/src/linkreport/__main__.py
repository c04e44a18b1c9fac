"""Run the CLI as ``python -m linkreport``."""

from linkreport.cli import main

main()
