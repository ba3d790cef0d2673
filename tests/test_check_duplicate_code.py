"""`duplicate-code`: copies of a function body across a repository, on real files."""

from __future__ import annotations

from pathlib import Path

import pytest

from gc_bot.principles import STARTER_DIR, PrincipleSet, load_principles
from gc_bot.scan import Shard, scan
from tests.conftest import make_repo, write_files

TOTAL = """\
def order_total(items, rate):
    \"\"\"The total of an order, tax included.\"\"\"
    total = 0
    for item in items:
        if item.quantity <= 0:
            continue
        total += item.price * item.quantity
    total = total * (1 + rate)
    return round(total, 2)
"""

# The same body: other local names, other literals, another layout, comments, a docstring.
RENAMED = """\
import math


def invoice_amount(lines, tax):
    amount = 0
    for line in lines:
        # skip returns
        if line.quantity <= 1:
            continue
        amount += line.price * line.quantity  # a comment
    amount = amount * (2+tax)
    return round(
        amount,
        4,
    )
"""


@pytest.fixture(scope="module")
def principles():
    starter = load_principles(STARTER_DIR)
    return PrincipleSet(tuple(p for p in starter if p.id == "no-duplicate-code"), STARTER_DIR)


def with_options(principles: PrincipleSet, **options) -> PrincipleSet:
    (p,) = principles
    detect = p.detect.model_copy(update={"options": {**p.detect.options, **options}})
    return PrincipleSet((p.model_copy(update={"detect": detect}),), principles.source)


def make(root: Path, files: dict[str, str]) -> Path:
    return make_repo(root, files, commit=False)


def found(result) -> list[tuple[str, int, str]]:
    return sorted((f.path, f.line, f.message) for f in result.findings)


def test_a_renamed_copy_in_another_file_names_the_original(tmp_path, principles):
    root = make(tmp_path / "repo", {"shop/orders.py": TOTAL, "billing/invoices.py": RENAMED})
    result = scan(root, principles)
    # billing/ sorts before shop/: the first by path is the original.
    assert found(result) == [
        ("shop/orders.py", 1, "same body as `invoice_amount` at billing/invoices.py:4"),
    ]
    (finding,) = result.findings
    assert (finding.end_line, finding.rule, finding.severity) == (9, "duplicate-code", "info")


def test_every_later_copy_points_at_the_first(tmp_path, principles):
    method = "class Cart:\n" + "".join(
        "    " + line + "\n" for line in TOTAL.replace("(items", "(self, items").splitlines()
    )
    root = make(tmp_path / "repo", {"a.py": TOTAL, "b.py": RENAMED, "c.py": method})
    assert found(scan(root, principles)) == [
        ("b.py", 4, "same body as `order_total` at a.py:1"),
        ("c.py", 2, "same body as `order_total` at a.py:1"),
    ]


def test_a_copy_in_the_same_file_and_the_renaming_in_the_message(tmp_path, principles):
    source = (
        TOTAL
        + "\n\n"
        + TOTAL.replace("def order_total", "def cart_total").replace("round(", "ceil(")
    )
    root = make(tmp_path / "repo", {"pkg/mod.py": source})
    assert found(scan(root, principles)) == [
        ("pkg/mod.py", 12, "same body as `order_total` at pkg/mod.py:1, with `ceil` for `round`"),
    ]


def test_a_duplicate_under_min_lines_is_not_flagged(tmp_path, principles):
    short = "def a(x):\n    y = x + 1\n    if y:\n        y = y * 2\n    z = str(y)\n    return z\n"
    root = make(tmp_path / "repo", {"one.py": short, "two.py": short.replace("def a", "def b")})
    assert found(scan(root, principles)) == []  # five statements; the bar is six
    assert len(scan(root, with_options(principles, min_lines=5), use_cache=False).findings) == 1


def test_bodies_that_differ_in_structure_are_not_flagged(tmp_path, principles):
    # The same tokens, but `total = total * (1 + rate)` moved into the loop.
    nested = TOTAL.replace("    total = total * (1 + rate)\n", "").replace(
        "        total += item.price * item.quantity\n",
        "        total += item.price * item.quantity\n        total = total * (1 + rate)\n",
    )
    # The same shape, but the names wired differently (`item` where the original has `items`).
    rewired = TOTAL.replace("for item in items", "for item in item")
    # One operator more.
    negated = TOTAL.replace("if item.quantity <= 0", "if not item.quantity <= 0")
    root = make(
        tmp_path / "repo", {"a.py": TOTAL, "b.py": nested, "c.py": rewired, "d.py": negated}
    )
    assert found(scan(root, principles)) == []


def test_the_same_shape_doing_other_work_is_not_flagged(tmp_path, principles):
    # Each body stores two different attributes: half the names that matter differ.
    brin = """\
    class BrinIndex:
        def deconstruct(self):
            path, args, kwargs = super().deconstruct()
            if self.autosummarize is not None:
                kwargs["autosummarize"] = self.autosummarize
            if self.pages_per_range is not None:
                kwargs["pages_per_range"] = self.pages_per_range
            return path, args, kwargs
    """
    btree = brin.replace("BrinIndex", "BTreeIndex").replace("autosummarize", "fillfactor")
    btree = btree.replace("pages_per_range", "deduplicate_items")
    root = make(tmp_path / "repo", {"brin.py": brin, "btree.py": btree})
    assert found(scan(root, principles)) == []


def test_constructors_that_only_store_their_arguments_are_not_flagged(tmp_path, principles):
    init = """\
    class {name}:
        def __init__(self, id, customer, items, total, currency, status):
            self.id = id
            self.customer = customer
            self.items = items
            self.total = total
            self.currency = currency
            self.status = status
            super().__init__()
    """
    root = make(
        tmp_path / "repo",
        {"order.py": init.format(name="Order"), "invoice.py": init.format(name="Invoice")},
    )
    assert found(scan(root, principles)) == []


def test_a_nested_copy_goes_with_the_copy_around_it(tmp_path, principles):
    outer = (
        "def outer(data):\n"
        + "".join("    " + line + "\n" for line in TOTAL.splitlines())
        + (
            "    first = order_total(data, 0)\n    second = order_total(data, 1)\n    third = first + second\n"
            "    fourth = third * 2\n    fifth = fourth - first\n    return fifth\n"
        )
    )
    root = make(tmp_path / "repo", {"a.py": outer, "b.py": outer.replace("def outer", "def other")})
    assert found(scan(root, principles)) == [("b.py", 1, "same body as `outer` at a.py:1")]


def test_tests_are_not_reported_but_still_count_as_originals(tmp_path, principles):
    root = make(tmp_path / "repo", {"tests/test_orders.py": TOTAL, "shop/orders.py": RENAMED})
    # shop/ sorts before tests/, so the copy in the tests is the one that would be reported.
    assert found(scan(root, principles)) == []
    root = make(tmp_path / "other", {"app/tests/test_x.py": TOTAL, "shop/z.py": RENAMED})
    assert found(scan(root, principles)) == [
        ("shop/z.py", 4, "same body as `order_total` at app/tests/test_x.py:1"),
    ]


def test_a_copy_added_later_is_found_with_only_that_file_parsed(tmp_path, principles):
    root = make(tmp_path / "repo", {"shop/orders.py": TOTAL, "shop/util.py": "X = 1\n"})
    assert found(scan(root, principles)) == []
    write_files(root, {"shop/returns.py": RENAMED})
    result = scan(root, principles)
    assert result.stats["parsed"] == 1
    assert found(result) == [
        ("shop/returns.py", 4, "same body as `order_total` at shop/orders.py:1")
    ]
    # The original moves: the copy's message follows, still with one file parsed.
    write_files(root, {"shop/orders.py": "\n\n" + TOTAL})
    result = scan(root, principles)
    assert result.stats["parsed"] == 1
    assert found(result) == [
        ("shop/returns.py", 4, "same body as `order_total` at shop/orders.py:3")
    ]


def test_the_shards_union_equals_one_scan(tmp_path, principles):
    files = {
        f"pkg/m{i}.py": (TOTAL if i % 2 else RENAMED).replace("(items", f"(items{i}")
        for i in range(8)
    }
    root = make(tmp_path / "repo", files)
    whole = found(scan(root, principles))
    assert len(whole) == 7
    parts = [found(scan(root, principles, shard=Shard(i, 3))) for i in (1, 2, 3)]
    assert sorted(f for part in parts for f in part) == whole
    assert all(len(part) < len(whole) for part in parts)


def test_the_original_is_the_copy_that_the_rest_of_the_repository_imports(tmp_path, principles):
    # `addons/` sorts first, but `zcore` is what the other modules import: the lower layer. The
    # copy in the leaf is the one to go, so no core module is told to import from an add-on.
    files = {
        "addons/extra.py": "from zcore import base\n\n\n" + RENAMED,
        "zcore/__init__.py": "",
        "zcore/base.py": TOTAL,
        "app/views.py": "from zcore.base import order_total\n",
        "app/jobs.py": "from zcore import base\n",
    }
    result = scan(make(tmp_path / "repo", files), principles)
    assert found(result) == [
        ("addons/extra.py", 7, "same body as `order_total` at zcore/base.py:1"),
    ]


def test_registrations_and_tests_do_not_make_a_module_a_foundation(tmp_path, principles):
    # Two `__init__`s register `addons.extra` and two tests import it; one module uses `zcore`.
    files = {
        "addons/__init__.py": "from . import extra\n",
        "addons/extra.py": RENAMED,
        "plugins/__init__.py": "from addons.extra import invoice_amount\n",
        # tests import whatever they test, leaves most of all
        "tests/test_extra.py": "from addons import extra\n",
        "addons/test_extra.py": "from addons.extra import invoice_amount\n",
        "zcore/base.py": TOTAL,
        "app/views.py": "from zcore.base import order_total\n",
    }
    result = scan(make(tmp_path / "repo", files), principles)
    assert [(path, message) for path, _, message in found(result)] == [
        ("addons/extra.py", "same body as `order_total` at zcore/base.py:1"),
    ]


def test_configured_layers_decide_the_original_before_imports_do(tmp_path, principles):
    # respect-layers lists `addons` below `zcore`: the team's architecture wins over the counts.
    files = {
        "addons/extra.py": RENAMED,
        "zcore/base.py": TOTAL,
        "app/views.py": "from zcore.base import order_total\n",
        "app/jobs.py": "from zcore import base\n",
    }
    root = make(tmp_path / "repo", files)
    layers = next(p for p in load_principles(STARTER_DIR) if p.id == "respect-layers")
    detect = layers.detect.model_copy(update={"options": {"layers": ["addons", "zcore"]}})
    both = PrincipleSet((*principles, layers.model_copy(update={"detect": detect})), STARTER_DIR)
    duplicates = [f for f in scan(root, both).findings if f.principle == "no-duplicate-code"]
    assert [(f.path, f.message) for f in duplicates] == [
        ("zcore/base.py", "same body as `invoice_amount` at addons/extra.py:4"),
    ]


TYPED = """\
class {name}:
    def rows(self, size: int | None = None) -> list[{row}]:
        getter = self._getter
        found = []
        while True:
            part = getter(self, size)
            if part:
                found.append(part)
            else:
                break
        return found
"""


@pytest.mark.parametrize(
    ("second", "types", "reported"),
    [
        ("Maps", ("Row", "Map"), False),  # typed twins: each class declares its own rows
        ("More", ("Row", "Row"), True),  # the same types: a copy
        ("Maps", None, True),  # no annotations: a copy
    ],
)
def test_typed_twins_are_left_alone_but_plain_copies_are_not(
    tmp_path, principles, second, types, reported
):
    first_type, second_type = types or ("Row", "Row")
    text = (
        TYPED.format(name="Rows", row=first_type)
        + "\n\n"
        + TYPED.format(name=second, row=second_type)
    )
    if types is None:
        text = text.replace(": int | None", "").replace(" -> list[Row]", "")
    result = scan(make(tmp_path / "repo", {"rows.py": text}), principles)
    assert [line for _, line, _ in found(result)] == ([15] if reported else [])


def test_two_methods_of_one_class_are_copies_whatever_their_annotations(tmp_path, principles):
    # `values` and `items` building the same dict: one helper, not two typed declarations.
    text = (
        TYPED.format(name="Rows", row="Row")
        .replace(
            "        return found\n",
            "        return found\n\n" + TYPED.format(name="X", row="Map").split("\n", 1)[1],
        )
        .replace(
            "    def rows(self, size: int | None = None) -> list[Map]",
            "    def maps(self, size: int | None = None) -> list[Map]",
        )
    )
    result = scan(make(tmp_path / "repo", {"rows.py": text}), principles)
    assert [message for _, _, message in found(result)] == ["same body as `Rows.rows` at rows.py:2"]


def test_module_level_functions_are_copies_whatever_their_annotations(tmp_path, principles):
    typed = TOTAL.replace("(items, rate)", "(items: list[Item], rate: float)")
    other = RENAMED.replace("(lines, tax)", "(lines: list[Line], tax: float)")
    result = scan(make(tmp_path / "repo", {"a.py": typed, "b.py": other}), principles)
    assert [path for path, _, _ in found(result)] == ["b.py"]


READONLY = """\
def get_readonly(connection):
    cursor = connection.cursor()
    try:
        cursor.execute("show transaction_read_only")
        value = cursor.fetchone()[0]
    finally:
        cursor.close()
    if value not in ("on", "off"):
        raise ValueError("unexpected read-only setting %r" % value)
    return value == "on"
"""


def test_copies_over_other_sql_are_variants_but_reworded_messages_are_copies(tmp_path, principles):
    sql = READONLY.replace("readonly", "deferrable").replace("read_only", "deferrable")
    message = READONLY.replace("readonly", "readonly_again").replace("unexpected", "odd")
    files = {"a.py": READONLY, "b.py": sql.replace("unexpected read-only", "unexpected")}
    assert found(scan(make(tmp_path / "sql", files), principles)) == []
    files = {"a.py": READONLY, "b.py": message}
    assert [path for path, _, _ in found(scan(make(tmp_path / "message", files), principles))] == [
        "b.py"
    ]


def test_one_module_of_two_independent_backends_is_a_variant_not_a_copy(tmp_path, principles):
    variants = {"backends/oracle/provision.py": TOTAL, "backends/mssql/provision.py": RENAMED}
    assert found(scan(make(tmp_path / "variants", variants), principles)) == []
    # `import array` is the standard library's, not the package's own `backends/mssql/array.py`
    packages = {
        "backends/__init__.py": "",
        "backends/oracle/__init__.py": "",
        "backends/mssql/__init__.py": "",
        "backends/mssql/array.py": "",
        "backends/oracle/provision.py": "import array\n\n\n" + TOTAL,
        "backends/mssql/provision.py": RENAMED,
    }
    assert found(scan(make(tmp_path / "packages", packages), principles)) == []
    # The same copy between modules of other names, or between backends that import each
    # other, is reported.
    renamed = {"backends/oracle/provision.py": TOTAL, "backends/mssql/setup.py": RENAMED}
    coupled = {
        "backends/oracle/provision.py": "from backends.mssql import provision\n\n\n" + TOTAL,
        "backends/mssql/provision.py": RENAMED,
    }
    for name, files in (("renamed", renamed), ("coupled", coupled)):
        assert len(found(scan(make(tmp_path / name, files), principles))) == 1, name
