"""Block arguments in workload files: `$name` takes an argument, `${expr}` computes one.

Expressions allow integers, booleans, strings, arithmetic (+ - * // / %), comparisons,
`and`/`or`/`not` and `a if cond else b` over the block's arguments; nothing else. Arithmetic
takes numbers only (a string is compared, never multiplied or added), every number stays
finite and within 64 bits, and an expression is at most 500 characters: a workload file
cannot make the loader allocate, loop or recurse without bound.
"""

import ast
import math
import operator
import re
from typing import Any

MAX_EXPRESSION_CHARS = 500
MAX_MAGNITUDE = 2**63 - 1

_NAME = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)$")
_EXPR = re.compile(r"^\$\{(.*)\}$", re.S)
_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Div: operator.truediv,
}
_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_SYMBOL = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Div: "/",
}


def substitute(value: Any, args: dict[str, Any]) -> Any:
    """`value` with every `$name` and `${expr}` replaced, recursively through lists and maps."""
    if isinstance(value, list):
        return [substitute(v, args) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, args) for k, v in value.items()}
    if not isinstance(value, str) or not value.startswith("$"):
        return value
    if value == "$input":
        return value
    match = _NAME.match(value)
    if match:
        if match[1] not in args:
            raise ValueError(f"unknown block argument '{match[1]}' (arguments: {', '.join(args)})")
        return args[match[1]]
    match = _EXPR.match(value)
    if match:
        return evaluate(match[1], args)
    return value


def evaluate(text: str, args: dict[str, Any]) -> Any:
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ValueError(f"expression longer than {MAX_EXPRESSION_CHARS} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise ValueError(f"cannot parse expression '{text}'") from None
    try:
        return _eval(tree.body, args)
    except ZeroDivisionError:
        raise ValueError(f"division by zero in '{text}'") from None
    except RecursionError:
        raise ValueError(f"expression '{text}' is nested too deeply") from None


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _in_range(value: Any, node: ast.AST) -> Any:
    if _number(value) and (not math.isfinite(value) or abs(value) > MAX_MAGNITUDE):
        raise ValueError(f"'{ast.unparse(node)}' is out of range")
    return value


def _arithmetic(node: ast.BinOp, left: Any, right: Any) -> Any:
    if not (_number(left) and _number(right)):
        raise ValueError(
            f"'{ast.unparse(node)}': {_SYMBOL[type(node.op)]} takes two numbers, "
            f"got {left!r} and {right!r}"
        )
    if isinstance(node.op, (ast.FloorDiv, ast.Mod, ast.Div)) and right == 0:
        raise ZeroDivisionError
    return _in_range(_BINARY[type(node.op)](left, right), node)


def _compare(node: ast.Compare, left: Any, right: Any) -> bool:
    op = type(node.ops[0])
    if op not in (ast.Eq, ast.NotEq) and not (
        (_number(left) and _number(right)) or (isinstance(left, str) and isinstance(right, str))
    ):
        raise ValueError(f"'{ast.unparse(node)}' compares {left!r} with {right!r}")
    return _COMPARE[op](left, right)


def _eval(node: ast.AST, args: dict[str, Any]) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool)):
        return _in_range(node.value, node)
    if isinstance(node, ast.Name):
        if node.id not in args:
            raise ValueError(f"unknown block argument '{node.id}' (arguments: {', '.join(args)})")
        return args[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _arithmetic(node, _eval(node.left, args), _eval(node.right, args))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Not)):
        value = _eval(node.operand, args)
        if isinstance(node.op, ast.Not):
            return not value
        if not _number(value):
            raise ValueError(f"'{ast.unparse(node)}': - takes a number, got {value!r}")
        return -value
    if isinstance(node, ast.BoolOp):
        values = [_eval(v, args) for v in node.values]
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
        return _compare(node, _eval(node.left, args), _eval(node.comparators[0], args))
    if isinstance(node, ast.IfExp):
        return _eval(node.body, args) if _eval(node.test, args) else _eval(node.orelse, args)
    raise ValueError(f"unsupported expression element '{ast.unparse(node)}'")
