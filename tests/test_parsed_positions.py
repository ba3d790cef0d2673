"""Statement and handler positions from the `ast` are exactly those of libcst's codegen pass,
on layouts that tempt them apart; where they could differ, the codegen pass answers."""

from __future__ import annotations

import libcst as cst
import pytest

from gc_bot.scan.parsed import ParsedFile

LAYOUTS = {
    "crlf": "import os\r\n\r\ndef f():\r\n    x = 1\r\n    # tail\r\n\r\nclass A:\r\n    pass\r\n",
    "unicode": "x = 'é'; y = 2  # ü\nif x: z = 'ß'; w = 1\n名 = 3\n",
    "decorated": (
        "import functools\n\n@functools.cache\n@ (lambda f: f)\ndef f():\n    return 1\n\n\n"
        "class B:\n    @property\n    def p(self):\n        return 2\n        # deep\n"
        "    # shallow\n\n    async def q(self):\n        async with x:\n"
        "            async for i in y:\n                pass\n"
    ),
    "continued": "x = 1 + \\\n    2\ny = [\n    1,\n]  # c\nz = 3; \\\n  w = 4\nv = 5 \\\n  # what\n",
    "try": (
        "try:\n    a()\nexcept ValueError:\n    pass\n    # footer\n"
        "except (KeyError, TypeError) as e:  # why\n    b()\nelse:\n    c()\n"
        "finally:\n        d()\n\n\n"
    ),
    "try-star": "try:\n    a()\nexcept* ValueError:\n    pass\n",
    "match": "match x:\n    case 1:\n        pass\n    case _:\n        y = 2\n        # end\n",
    "elif": (
        "if a:\n    pass\nelif b:\n    pass\nelse:\n    if c:\n        pass\n"
        "    elif d:  # d\n        e()\n\n    # after\n"
    ),
    "tabs": "def f():\n\tif x:\n\t\treturn 1\n\t# t\n\n\treturn 2\n",
    "lone-cr": "x = 1\ry = 2\r",
    "form-feed": "x = 1\n\x0c\ndef f():\n    pass\n",
    "no-final-newline": "def f():\n    return 1\n    # no newline at the end",
    "suites": "while x: y()\nfor i in z: pass\nelse: q()\nwith a as b: c; d\n",
    "strings": 'def f():\n    """doc\n    string"""\n    s = """a\nb"""  # x\n    return s\n',
}


def _nodes(source: ParsedFile) -> list[cst.CSTNode]:
    nodes = [s.node for s in source.statements if not isinstance(s.node, cst.BaseSmallStatement)]
    return nodes + [h for n in nodes for h in getattr(n, "handlers", ())]


def _codegen_position(source: ParsedFile, node: cst.CSTNode) -> tuple[int, int, int, int]:
    """The reference: the codegen pass alone (the fast path turned off for this file)."""
    source._twins = None  # cached_property: set, it is what the fast path reads
    return source.position(node)


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_fast_positions_are_the_codegen_passes(name):
    text = LAYOUTS[name]
    module = cst.parse_module(text)
    fast = ParsedFile("m.py", text, module)
    slow = ParsedFile("m.py", text, module)
    nodes = _nodes(fast)
    assert nodes
    for node in nodes:
        assert fast.position(node) == _codegen_position(slow, node), cst.Module([]).code_for_node(
            node
        )


def test_the_fast_path_answers_most_questions_without_a_codegen_pass():
    text = LAYOUTS["decorated"] + LAYOUTS["try"] + LAYOUTS["elif"]
    source = ParsedFile("m.py", text, cst.parse_module(text))
    for node in _nodes(source):
        source.position(node)
    assert "_ranges" not in vars(source)  # the codegen pass never ran


def test_layouts_the_ast_may_count_otherwise_take_the_codegen_pass():
    for name in ("lone-cr", "form-feed"):
        text = LAYOUTS[name]
        source = ParsedFile("m.py", text, cst.parse_module(text))
        source.position(_nodes(source)[0])
        assert "_ranges" in vars(source), name
