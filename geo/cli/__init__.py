"""Command line: ``python -m geo COMMAND``."""
