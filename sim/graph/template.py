"""Block arguments in workload files: `$name` takes an argument, `${expr}` computes one.

Expressions allow integers, booleans, strings, arithmetic (+ - * // / %), comparisons,
`and`/`or`/`not` and `a if cond else b` over the block's arguments; nothing else.
"""

import ast
import operator
import re
from typing import Any

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
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        raise ValueError(f"cannot parse expression '{text}'") from None
    try:
        return _eval(tree.body, args)
    except ZeroDivisionError:
        raise ValueError(f"division by zero in '{text}'") from None


def _eval(node: ast.AST, args: dict[str, Any]) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool)):
        return node.value
    if isinstance(node, ast.Name):
        if node.id not in args:
            raise ValueError(f"unknown block argument '{node.id}' (arguments: {', '.join(args)})")
        return args[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _BINARY[type(node.op)](_eval(node.left, args), _eval(node.right, args))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Not)):
        value = _eval(node.operand, args)
        return -value if isinstance(node.op, ast.USub) else not value
    if isinstance(node, ast.BoolOp):
        values = [_eval(v, args) for v in node.values]
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
        left, right = _eval(node.left, args), _eval(node.comparators[0], args)
        return _COMPARE[type(node.ops[0])](left, right)
    if isinstance(node, ast.IfExp):
        return _eval(node.body, args) if _eval(node.test, args) else _eval(node.orelse, args)
    raise ValueError(f"unsupported expression element '{ast.unparse(node)}'")
