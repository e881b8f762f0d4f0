"""The CLI's commands, one module each, in the order `--help` lists them."""

from sim.commands import analyze, convert, listing, replay, roofline, run

COMMANDS = (run, analyze, roofline, convert, listing, replay)
