"""`layer-boundaries`: imports run downhill only, through the layers a team writes down.

`layers` lists module prefixes, lowest layer first; an entry may also be a list of prefixes
that form one layer (peers, which may import each other). A module may import from its own
layer and from those listed before it; importing from a layer listed after its own is the
finding. A module in no layer is not checked, and a module imported from no layer is always
fine. The longest matching prefix decides a module's layer, so `gc_bot.scan.checks` can be a
lower layer than `gc_bot.scan`.

The module of a file comes from its path relative to the repository: `.py`/`.pyi` dropped,
`/` read as `.`, a trailing `__init__` dropped, and a leading `src/` dropped. Relative imports
are resolved against it. `from pkg import name` counts as importing `pkg.name` (it may be a
submodule; if it is not, `pkg.name` still falls in `pkg`'s layer unless a layer names it).

Imports anywhere count, inside functions too: a deferred import is still a dependency (and is
often how a cycle across layers is hidden). Imports only under `if TYPE_CHECKING:` do not
count by default (`type_checking: true` counts them): they never run, and an annotation may
name a type from a higher layer without making the code depend on it.

The check does nothing until `layers` is configured.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from gc_bot.scan.checks import Check, FileResult, Hit, register
from gc_bot.scan.checks.layers import LayerOptions, layer_of, module_of
from gc_bot.scan.parsed import ParsedFile


@register
class LayerBoundaries(Check):
    name = "layer-boundaries"
    Options = LayerOptions

    def run(self, source: ParsedFile, options: LayerOptions) -> FileResult:
        if not options.layers:
            return FileResult()
        prefixes = options.prefixes()
        module, is_package = module_of(source.path)
        own = layer_of(module, prefixes)
        if own is None:
            return FileResult()
        own_prefix, own_index = own
        hits = []
        for statement in source.of_type(cst.SimpleStatementLine, cst.Import, cst.ImportFrom):
            node = (
                statement.node
            )  # a small statement itself when it follows a colon: `if x: import y`
            small = node.body if isinstance(node, cst.SimpleStatementLine) else [node]
            imports = [s for s in small if isinstance(s, cst.Import | cst.ImportFrom)]
            if not imports:
                continue
            if not options.type_checking and _type_checking_only(node, statement.parents):
                continue
            for imported in imports:
                for target, shown in _targets(imported, module, is_package):
                    layer = layer_of(target, prefixes)
                    if layer is not None and layer[1] > own_index:
                        message = (
                            f"`{module}` (layer `{own_prefix}`) imports {shown}, which is in the higher "
                            f"layer `{layer[0]}`; a module may only import from its own layer and lower ones"
                        )
                        hits.append(Hit(*source.position(imported), message))
                        break
        return FileResult(hits)


def _dotted(node: cst.BaseExpression | None) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _targets(
    node: cst.Import | cst.ImportFrom, module: str, is_package: bool
) -> Iterator[tuple[str, str]]:
    """What an import statement imports (relative imports resolved against `module`), and how to say it."""
    if isinstance(node, cst.Import):
        for alias in node.names:
            name = _dotted(alias.name)
            yield name, f"`{name}`"
        return
    base = _dotted(node.module)
    level = len(node.relative)
    if level:
        package = module.split(".") if is_package else module.split(".")[:-1]
        if level - 1 > len(package):
            return  # beyond the top: not a module of this repository
        package = package[: len(package) - (level - 1)]
        base = ".".join([*package, base] if base else package)
    if isinstance(node.names, cst.ImportStar):
        yield base, f"`*` from `{base}`"
        return
    for alias in node.names:
        name = _dotted(alias.name)
        yield (f"{base}.{name}", f"`{name}` from `{base}`") if base else (name, f"`{name}`")


def _type_checking_only(node: cst.CSTNode, parents: tuple[cst.CSTNode, ...]) -> bool:
    """Whether `node` sits in the body (not the `else`) of an `if TYPE_CHECKING:`."""
    chain = (*parents, node)
    for index, parent in enumerate(parents):
        if (
            isinstance(parent, cst.If)
            and _dotted(parent.test).rsplit(".", 1)[-1] == "TYPE_CHECKING"
        ):
            child = chain[index + 1]
            if any(child is statement for statement in parent.body.body):
                return True
    return False
