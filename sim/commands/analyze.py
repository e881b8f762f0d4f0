"""`python -m sim analyze`: placeholder replaced below."""
NAME = "analyze"
HELP = "analytic estimate"


def add_arguments(parser):
    pass


def run(args):
    return 0
