"""`python -m sim analyze`: placeholder replaced below."""
NAME = "list"
HELP = "analytic estimate"


def add_arguments(parser):
    pass


def run(args):
    return 0
