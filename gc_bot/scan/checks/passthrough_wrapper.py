"""`passthrough-wrapper`: a function that only hands its own arguments on to another one.

Flagged, when the whole body (a docstring aside) is one call that receives the function's own
parameters unchanged (positional ones positionally and in order, keyword-only ones as `k=k`,
`*args` and `**kwargs` as such):

- a module-level function that returns such a call of a function defined at module level in
  the same file (`def load(path): return _load(path)`: two names for one thing), or, when the
  wrapper is itself private, of any function (`def _parse(text): return json.loads(text)`);
- a method whose signature is `(self, *args, **kwargs)` and that only calls the method it
  overrides with them: `def save(self, *args, **kwargs): return super().save(*args, **kwargs)`
  (returned or not; `super(Cls, self)` too). Any other override signature may rename a
  parameter, make one required or drop an optional one, which we cannot see from here.

Not flagged, because the wrapper does something or may exist on purpose:

- a parameter with a default (the wrapper adds or changes a default), an extra argument or a
  constant passed on, parameters renamed, reordered, dropped or passed twice, a positional
  parameter passed on by keyword (`def etag(f): return condition(etag_func=f)` names one use of
  a more general function);
- a public wrapper of something defined elsewhere (an imported function, a class, a method):
  it may be the package's API, a facade over a dependency;
- a callee reached through a module-level variable (`_trans.gettext(message)`): the variable is
  looked up at call time, often on purpose (lazy objects, settings, test doubles);
- a function without parameters (`def now(): return timezone.now()` is a seam: evaluated at
  call time, patched in tests);
- any decorator other than `staticmethod`, `classmethod` and `override` (`@property`,
  `@overload`, `@cached_property`, `@receiver(...)`, `@register.filter`... change what the
  function is or register it), and the implementation behind `@overload` signatures, a
  module's or a class's (they give it a typed interface of its own: an override that only
  calls `super()` under its class's overloads narrows the signature its base declares);
- a method that calls anything but its own override in `super()` (`self._impl(x)` or
  `self.inner.f(x)` is delegation: part of the class's interface);
- functions nested in functions (closures bind late, on purpose) or defined under `if`/`try`
  (compatibility shims);
- a callee that is one of the parameters (`def apply(f, x): return f(x)`);
- a body or docstring that explains itself: a comment that says more than the line it sits
  on (a comment that only restates the call, by `redundant-comment`'s test, or a pragma such
  as `# noqa` explains nothing), or a docstring that mentions compatibility, deprecation or
  an alias;
- a documented public function over another public one: both names are the package's API, and
  a docstring of more than one line (usage, parameters) says this one is meant to be called
  (`decorator_from_middleware_with_args`); a one-line docstring is a label, not documentation;
- a function that a `__reduce__`/`__reduce_ex__` method or `copyreg.pickle` names: pickles
  store it by its module-level name, so it must stay even though it only forwards.
"""

from __future__ import annotations

import re

import libcst as cst

from gc_bot.scan.checks import Check, FileResult, Hit, register
from gc_bot.scan.checks.function_size import DefLines
from gc_bot.scan.checks.redundant_comment import comment_words, is_pragma, restates
from gc_bot.scan.parsed import ParsedFile

_PLAIN_DECORATORS = {"staticmethod", "classmethod", "override"}
_EXPLAINED = re.compile(
    r"compat|deprecat|alias|backward|legacy|public api|re-?export", re.IGNORECASE
)
_EMPTY_MODULE = cst.Module(body=[])
_IDENTIFIER = re.compile(r"\w+")
_PICKLING = re.compile(r"__reduce(?:_ex)?__|copyreg")


@register
class PassthroughWrapper(Check):
    name = "passthrough-wrapper"

    def run(self, source: ParsedFile, options: object) -> FileResult:
        hits = []
        scope: _ModuleScope | None = None
        for statement in source.of_type(cst.FunctionDef):
            if scope is None:
                scope = _ModuleScope(source.module, source.text)
            message = _passthrough(statement.node, statement.parents, scope)
            if message:
                hits.append(Hit(*DefLines.of(source).span(statement.node), message))
        return FileResult(hits)


class _ModuleScope:
    """What the module's top level binds: functions, and everything else assigned."""

    def __init__(self, module: cst.Module, text: str) -> None:
        self.functions: set[str] = set()
        self.variables: set[str] = set()
        self.overloaded: set[str] = set()
        for statement in module.body:
            if isinstance(statement, cst.FunctionDef):
                self.functions.add(statement.name.value)
                if "overload" in (_decorator_names(statement) or ()):
                    self.overloaded.add(statement.name.value)
            elif isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    targets = []
                    if isinstance(small, cst.Assign):
                        targets = [t.target for t in small.targets]
                    elif isinstance(small, cst.AnnAssign | cst.AugAssign):
                        targets = [small.target]
                    self.variables.update(t.value for t in targets if isinstance(t, cst.Name))
        self.functions -= self.variables  # rebound later: not a plain function any more
        self.pickled = _pickled_names(module, text)


def _pickled_names(module: cst.Module, text: str) -> set[str]:
    """Names in `__reduce__`/`__reduce_ex__` methods and `copyreg.pickle(...)` lines."""
    if not _PICKLING.search(text):
        return set()
    names: set[str] = set()
    for line in text.splitlines():
        if "copyreg" in line:
            names.update(_IDENTIFIER.findall(line))
    pending = list(module.body)
    while pending:
        node = pending.pop()
        if isinstance(node, cst.ClassDef):
            pending.extend(node.body.body if isinstance(node.body, cst.IndentedBlock) else ())
        elif isinstance(node, cst.FunctionDef) and node.name.value in (
            "__reduce__",
            "__reduce_ex__",
        ):
            names.update(_IDENTIFIER.findall(_EMPTY_MODULE.code_for_node(node.body)))
        elif isinstance(node, cst.If | cst.Try):
            pending.extend(node.body.body if isinstance(node.body, cst.IndentedBlock) else ())
    return names


def _passthrough(
    function: cst.FunctionDef, parents: tuple[cst.CSTNode, ...], scope: _ModuleScope
) -> str | None:
    in_class = bool(parents) and isinstance(parents[-1], cst.ClassDef)
    if parents and not in_class:
        return None
    decorators = _decorator_names(function)
    if decorators is None or not decorators <= _PLAIN_DECORATORS:
        return None
    params = function.params
    if _has_default(params):
        return None
    small = _body(function)
    if small is None or len(small) != 1:
        return None
    call, returned = _call_of(small[0])
    if call is None:
        return None
    positional = [p.name.value for p in (*params.posonly_params, *params.params)]
    star = params.star_arg.name.value if isinstance(params.star_arg, cst.Param) else None
    keyword_only = [p.name.value for p in params.kwonly_params]
    double_star = params.star_kwarg.name.value if params.star_kwarg else None
    name = function.name.value
    if in_class:
        generic = len(positional) == 1 and not keyword_only and star and double_star
        if "staticmethod" in decorators or not generic or not _is_super_call(call.func, name):
            return None
        if not _forwards(call, [], star, [], double_star) or _overloaded_in(parents[-1], name):
            return None
        return f"`{name}` only calls `super().{name}` with the same arguments; the override can go"
    if not returned or not (positional or keyword_only or star or double_star):
        return None
    callee = _dotted(call.func)
    if callee is None or callee == name or name in scope.overloaded or name in scope.pickled:
        return None
    root = callee.split(".")[0]
    if root in {*positional, *keyword_only, star, double_star} or root in scope.variables:
        return None
    if not (callee in scope.functions or name.startswith("_")):
        return None
    if not name.startswith("_") and not callee.rsplit(".", 1)[-1].startswith("_"):
        docstring = function.get_docstring(clean=True) or ""
        if "\n" in docstring.strip():
            return None  # documented public API over public API: two names users call
    if not _forwards(call, positional, star, keyword_only, double_star):
        return None
    return f"`{name}` only passes its arguments on to `{callee}`; call `{callee}` directly"


def _overloaded_in(owner: cst.CSTNode, name: str) -> bool:
    """Whether the class declares `@overload` signatures of `name`: the override narrows them."""
    body = getattr(owner, "body", None)
    return any(
        isinstance(node, cst.FunctionDef)
        and node.name.value == name
        and "overload" in (_decorator_names(node) or ())
        for node in getattr(body, "body", ())
    )


def _decorator_names(function: cst.FunctionDef) -> set[str] | None:
    """Decorator names, or None when one is a call or an expression we cannot name."""
    names = set()
    for decorator in function.decorators:
        dotted = _dotted(decorator.decorator)
        if dotted is None:
            return None
        names.add(dotted.rsplit(".", 1)[-1])
    return names


def _body(function: cst.FunctionDef) -> list[cst.BaseSmallStatement] | None:
    """The body's small statements without the docstring; None if it is more than that or explains itself."""
    body = function.body
    comments: list[cst.Comment | None] = []
    if isinstance(body, cst.SimpleStatementSuite):
        small = list(body.body)
        comments.append(body.trailing_whitespace.comment)
    else:
        comments += [body.header.comment, *(line.comment for line in body.footer)]
        small = []
        for statement in body.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                return None
            comments.append(statement.trailing_whitespace.comment)
            comments += [line.comment for line in statement.leading_lines]
            small += statement.body
    said = " ".join(_EMPTY_MODULE.code_for_node(s) for s in small)
    if any(c is not None and _explains(c.value, said) for c in comments):
        return None
    if (
        small
        and isinstance(small[0], cst.Expr)
        and isinstance(small[0].value, cst.SimpleString | cst.ConcatenatedString)
    ):
        docstring = small.pop(0).value
        if _EXPLAINED.search(_EMPTY_MODULE.code_for_node(docstring)):
            return None
    return small


def _explains(comment: str, code: str) -> bool:
    """Whether a comment says why: not a pragma, and not a restatement of the code."""
    if is_pragma(comment):
        return False
    words = comment_words(comment)
    return words is None or not restates(words, code)


def _call_of(statement: cst.BaseSmallStatement) -> tuple[cst.Call | None, bool]:
    if isinstance(statement, cst.Return):
        value, returned = statement.value, True
    elif isinstance(statement, cst.Expr):
        value, returned = statement.value, False
    else:
        return None, False
    if isinstance(value, cst.Await):
        value = value.expression
    return (value, returned) if isinstance(value, cst.Call) else (None, False)


def _has_default(params: cst.Parameters) -> bool:
    return any(
        p.default is not None
        for p in (*params.posonly_params, *params.params, *params.kwonly_params)
    )


def _dotted(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        owner = _dotted(node.value)
        return f"{owner}.{node.attr.value}" if owner else None
    return None


def _is_super_call(func: cst.BaseExpression, name: str) -> bool:
    if not isinstance(func, cst.Attribute) or func.attr.value != name:
        return False
    owner = func.value
    return (
        isinstance(owner, cst.Call)
        and isinstance(owner.func, cst.Name)
        and owner.func.value == "super"
        and len(owner.args) in (0, 2)
    )


def _forwards(
    call: cst.Call,
    positional: list[str],
    star: str | None,
    keyword_only: list[str],
    double_star: str | None,
) -> bool:
    """Whether `call` passes exactly these parameters on, each once, positional ones in order.

    Positional parameters go on positionally and before `*args` (a positional parameter passed on
    by keyword picks one use of a more general callee); keyword-only ones as `k=k`.
    """
    waiting = list(positional)  # positional parameters not passed on yet, in order
    keywords_left = set(keyword_only)
    star_left, double_star_left = star, double_star
    for arg in call.args:
        if not isinstance(arg.value, cst.Name):
            return False
        value = arg.value.value
        if arg.star == "*":
            if value != star_left or waiting:
                return False
            star_left = None
        elif arg.star == "**":
            if value != double_star_left:
                return False
            double_star_left = None
        elif arg.keyword is not None:
            if arg.keyword.value != value:
                return False
            if value not in keywords_left:
                return False
            keywords_left.remove(value)
        else:
            if not waiting or waiting[0] != value or star_left != star:
                return False
            waiting.pop(0)
    return not waiting and not keywords_left and star_left is None and double_star_left is None
