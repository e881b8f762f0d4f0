"""The CLI's commands, one module each, in the order `--help` lists them."""

from sim.commands import analyze, listing

COMMANDS = (analyze, listing)
