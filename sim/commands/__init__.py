"""The CLI's commands, one module each, in the order `--help` lists them."""

from sim.commands import analyze, compare, convert, listing, replay, roofline, run

COMMANDS = (run, analyze, compare, roofline, convert, listing, replay)
