"""A small evaluator for GitHub Actions ``${{ }}`` expressions, enough for action.yml files.

Supports contexts (``inputs.x``, ``steps.id.outputs.y``, ``runner.temp``, ``github.sha``),
string/number/boolean/null literals, ``!``, ``==``, ``!=``, ``&&``, ``||`` (returning
operand values, as GitHub does), parentheses and the functions the actions use.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>\|\||&&|==|!=|[!().,\[\]])"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))"
)
_EXPR = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)


def truthy(value: Any) -> bool:
    return value not in (None, False, "", 0)


def to_str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Evaluator:
    def __init__(self, context: Mapping[str, Any], status: str = "success") -> None:
        self.context = context
        self.status = status
        self.functions: dict[str, Callable[..., Any]] = {
            "format": self._format,
            "always": lambda: True,
            "success": lambda: self.status == "success",
            "failure": lambda: self.status == "failure",
            "cancelled": lambda: False,
            "contains": lambda a, b: to_str(b).lower() in to_str(a).lower(),
            "startsWith": lambda a, b: to_str(a).lower().startswith(to_str(b).lower()),
            "hashFiles": lambda *a: "0" * 64,
        }

    @staticmethod
    def _format(fmt: str, *args: Any) -> str:
        out = fmt.replace("{{", "\0").replace("}}", "\1")
        for i, arg in enumerate(args):
            out = out.replace("{" + str(i) + "}", to_str(arg))
        return out.replace("\0", "{").replace("\1", "}")

    def evaluate(self, text: str) -> Any:
        self.tokens = self._tokenize(text)
        self.pos = 0
        value = self._or()
        if self.pos != len(self.tokens):
            raise ValueError(f"unexpected {self.tokens[self.pos]!r} in {text!r}")
        return value

    def substitute(self, text: str) -> str:
        return _EXPR.sub(lambda m: to_str(self.evaluate(m.group(1))), text)

    def condition(self, text: str | bool | None) -> bool:
        if text is None:
            return self.status == "success"
        if isinstance(text, bool):
            return text
        expr = text.strip()
        m = re.fullmatch(r"\$\{\{(.*)\}\}", expr, re.DOTALL)
        expr = m.group(1) if m else expr
        if not re.search(r"\b(always|success|failure|cancelled)\(", expr):
            expr = f"success() && ({expr})"
        return truthy(self.evaluate(expr))

    # -- parser -----------------------------------------------------------------
    @staticmethod
    def _tokenize(text: str) -> list[tuple[str, str]]:
        out, pos, text = [], 0, text.strip()
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise ValueError(f"cannot parse {text[pos:]!r}")
            kind = m.lastgroup or ""
            out.append((kind, m.group(kind)))
            pos = m.end()
            while pos < len(text) and text[pos].isspace():
                pos += 1
        return out

    def _peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def _take(self, expected: str | None = None) -> tuple[str, str]:
        token = self.tokens[self.pos]
        if expected is not None and token[1] != expected:
            raise ValueError(f"expected {expected!r}, got {token[1]!r}")
        self.pos += 1
        return token

    def _or(self) -> Any:
        value = self._and()
        while self._peek() == "||":
            self._take()
            right = self._and()
            value = value if truthy(value) else right
        return value

    def _and(self) -> Any:
        value = self._cmp()
        while self._peek() == "&&":
            self._take()
            right = self._cmp()
            value = right if truthy(value) else value
        return value

    def _cmp(self) -> Any:
        left = self._unary()
        if self._peek() in ("==", "!="):
            op = self._take()[1]
            right = self._unary()
            same = to_str(left).lower() == to_str(right).lower()
            return same if op == "==" else not same
        return left

    def _unary(self) -> Any:
        if self._peek() == "!":
            self._take()
            return not truthy(self._unary())
        return self._primary()

    def _primary(self) -> Any:
        kind, text = self._take()
        if text == "(":
            value = self._or()
            self._take(")")
            return value
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return float(text) if "." in text else int(text)
        if kind != "name":
            raise ValueError(f"unexpected {text!r}")
        if text in ("true", "false"):
            return text == "true"
        if text == "null":
            return None
        if self._peek() == "(":
            self._take()
            args = []
            while self._peek() != ")":
                args.append(self._or())
                if self._peek() == ",":
                    self._take()
            self._take(")")
            return self.functions[text](*args)
        value: Any = self.context.get(text)
        while self._peek() in (".", "["):
            if self._take()[1] == ".":
                key = self._take()[1]
            else:
                key = to_str(self._or())
                self._take("]")
            value = value.get(key) if isinstance(value, Mapping) else None
        return value
