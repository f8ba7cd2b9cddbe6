"""Offline mode: what a persona says with no inference API configured.

A few rule-based intents (greetings, jokes, time and date, help) and some
SmarterChild-style commands (`calc`, `roll`, `flip`, `8ball`). Which line of
a list is said is picked by a hash of the message, so it is deterministic.
"""

import ast
import hashlib
import operator
import re
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from .style import StyleRules
from .style import apply as apply_style


class Repertoire(BaseModel):
    model_config = {"extra": "forbid"}

    greetings: list[str] = Field(default_factory=lambda: ["hi there!"])
    farewells: list[str] = Field(default_factory=lambda: ["bye!"])
    jokes: list[str] = Field(default_factory=lambda: ["Why did the modem cross the road? To get to the other site."])
    help: str = "Ask me the time, the date, a joke, or try: calc 2+2, roll, flip, 8ball <question>."
    fallback: list[str] = Field(default_factory=lambda: ["interesting! tell me more."])
    # Said when the inference API keeps failing (the failure breaker is open).
    cant_think: list[str] = Field(default_factory=lambda: ["my brain is a bit fuzzy right now, try me again in a bit."])


_GREETING = re.compile(r"\b(hi|hello|hey|hiya|yo|sup|howdy|good (morning|afternoon|evening)|a/s/l)\b")
_FAREWELL = re.compile(r"\b(bye|goodbye|cya|see ya|good ?night|ttyl|gtg|g2g)\b")
_JOKE = re.compile(r"\b(joke|funny|laugh|lol)\b")
_TIME = re.compile(r"\b(time|clock)\b")
_DATE = re.compile(r"\b(date|day|today)\b")
_HELP = re.compile(r"\b(help|commands|what can you do)\b")
_COMMAND = re.compile(r"^(calc|roll|flip|8ball)\b\s*(.*)$")
# Handles are lower case, but people type them as the name is displayed ("@SmarterBot").
_MENTION = re.compile(r"@[a-z0-9][a-z0-9_.-]*", re.IGNORECASE)

_EIGHT_BALL = [
    "It is certain.",
    "Ask again later.",
    "Don't count on it.",
    "Signs point to yes.",
    "Reply hazy, try again.",
    "My sources say no.",
]

_OPERATORS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Mod: operator.mod,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}


def _pick(options: list[str], seed: str) -> str:
    digest = hashlib.sha256(seed.encode("utf-8", "surrogatepass")).digest()
    return options[int.from_bytes(digest[:4], "big") % len(options)]


def _evaluate(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left, right = _evaluate(node.left), _evaluate(node.right)
        if abs(left) > 1e12 or abs(right) > 1e12:
            raise ValueError("too big")
        return _OPERATORS[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_evaluate(node.operand))
    raise ValueError("not arithmetic")


def calculate(expression: str) -> str:
    """Plain arithmetic (+ - * / % and brackets) without eval()."""
    if not expression or len(expression) > 100:
        return "give me something like: calc 12*(3+4)"
    try:
        value = _evaluate(ast.parse(expression, mode="eval").body)
    except (SyntaxError, ValueError, ZeroDivisionError, RecursionError):
        return "that doesn't compute. try something like: calc 12*(3+4)"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{expression.strip()} = {round(value, 6) if isinstance(value, float) else value}"


def _command(name: str, argument: str, seed: str) -> str:
    if name == "calc":
        return calculate(argument)
    if name == "roll":
        return f"rolled a d6: {int(hashlib.sha256(seed.encode()).hexdigest(), 16) % 6 + 1}"
    if name == "flip":
        return f"the coin says: {_pick(['heads', 'tails'], seed)}"
    return f"the magic 8-ball says: {_pick(_EIGHT_BALL, seed)}"


def answer(text: str, repertoire: Repertoire, *, seed: str, now: datetime | None = None) -> str:
    """The persona's offline reply to `text` (before style rules)."""
    now = now or datetime.now(UTC)
    message = _MENTION.sub("", text).strip().lower()
    command = _COMMAND.match(message)
    if command:
        return _command(command.group(1), command.group(2), seed)
    if _HELP.search(message):
        return repertoire.help
    if _JOKE.search(message):
        return _pick(repertoire.jokes, seed)
    if _TIME.search(message):
        return f"it's {now:%H:%M} UTC."
    if _DATE.search(message):
        return f"today is {now:%A %d %B %Y}."
    if _FAREWELL.search(message):
        return _pick(repertoire.farewells, seed)
    if _GREETING.search(message) or not message:
        return _pick(repertoire.greetings, seed)
    return _pick(repertoire.fallback, seed)


def offline_reply(text: str, repertoire: Repertoire, rules: StyleRules, *, seed: str) -> str:
    return apply_style(answer(text, repertoire, seed=seed), rules)


def deflect_reply(repertoire: Repertoire, rules: StyleRules, *, seed: str) -> str:
    return apply_style(_pick(repertoire.fallback, seed), rules)


def cant_think_reply(repertoire: Repertoire, rules: StyleRules, *, seed: str) -> str:
    return apply_style(_pick(repertoire.cant_think, seed), rules)
