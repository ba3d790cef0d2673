"""`layer-boundaries`: imports run downhill through the configured layers."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from gc_bot.principles import PrincipleSet
from gc_bot.scan import scan
from gc_bot.scan.checks import parse_options
from gc_bot.scan.checks.layer_boundaries import module_of
from tests.conftest import make_repo, starter_principle

PRINCIPLE = "respect-layers"
LAYERS = ["app.core", "app.api"]

FILES = {
    "app/__init__.py": "",
    "app/core/__init__.py": "from ..api import routes\n",
    "app/core/models.py": """\
        from typing import TYPE_CHECKING

        import app.api.views
        from app.api import urls
        from app.core import money
        from . import money as cash
        from .money import total
        import json

        if TYPE_CHECKING:
            from app.api.views import Request
        else:
            from app.api.views import Response

        if TYPE_CHECKING: from app.api import types


        def late():
            from app.api.serializers import dump

            return dump
        """,
    "app/core/money.py": "def total(lines):\n    return sum(lines)\n",
    "app/api/__init__.py": "",
    "app/api/views.py": "from app.core.models import late\nfrom ..core import money\n",
    "app/api/urls.py": "",
    "app/api/routes.py": "",
    "app/api/serializers.py": "",
    "app/api/types.py": "",
    "scripts/tool.py": "import app.api.views\n",
}


def principle(**options) -> PrincipleSet:
    return starter_principle(PRINCIPLE, **options)


def findings(root: Path, **options) -> list[tuple[str, int, str]]:
    return [(f.path, f.line, f.message) for f in scan(root, principle(**options)).findings]


@pytest.fixture
def root(tmp_path):
    return make_repo(tmp_path / "repo", FILES)


def test_nothing_is_checked_until_layers_are_configured(root):
    assert findings(root) == []


def test_imports_into_a_higher_layer_are_flagged(root):
    found = findings(root, layers=LAYERS)
    assert [(path, line) for path, line, _ in found] == [
        ("app/core/__init__.py", 1),
        ("app/core/models.py", 3),
        ("app/core/models.py", 4),
        ("app/core/models.py", 13),
        ("app/core/models.py", 19),
    ]
    messages = {(path, line): message for path, line, message in found}
    assert messages["app/core/models.py", 4] == (
        "`app.core.models` (layer `app.core`) imports `urls` from `app.api`, which is in the higher "
        "layer `app.api`; a module may only import from its own layer and lower ones"
    )
    assert "imports `routes` from `app.api`" in messages["app/core/__init__.py", 1]
    assert "imports `app.api.views`," in messages["app/core/models.py", 3]


def test_type_checking_imports_count_when_asked(root):
    lines = [
        line
        for path, line, _ in findings(root, layers=LAYERS, type_checking=True)
        if path == "app/core/models.py"
    ]
    assert lines == [3, 4, 11, 13, 15, 19]


def test_reversed_layers_flag_the_other_direction(root):
    found = findings(root, layers=list(reversed(LAYERS)))
    assert [(path, line) for path, line, _ in found] == [
        ("app/api/views.py", 1),
        ("app/api/views.py", 2),
    ]


def test_peers_in_one_layer_may_import_each_other(root):
    assert findings(root, layers=[["app.core", "app.api"]]) == []


def test_the_longest_prefix_decides(root):
    found = findings(root, layers=["app.api.urls", "app.core", "app.api"])
    assert ("app/core/models.py", 4) not in [(path, line) for path, line, _ in found]
    assert ("app/core/models.py", 3) in [(path, line) for path, line, _ in found]


def test_src_layout(tmp_path):
    root = make_repo(
        tmp_path / "repo",
        {
            "src/app/core/models.py": "from app.api import views\n",
            "src/app/api/views.py": "import app.core\n",
        },
    )
    assert [(path, line) for path, line, _ in findings(root, layers=LAYERS)] == [
        ("src/app/core/models.py", 1)
    ]


def test_module_names_from_paths():
    assert module_of("app/core/models.py") == ("app.core.models", False)
    assert module_of("app/core/__init__.py") == ("app.core", True)
    assert module_of("src/app/core/models.pyi") == ("app.core.models", False)
    assert module_of("src.py") == ("src", False)


def test_bad_layer_names_are_rejected():
    with pytest.raises(ValidationError, match="not a dotted module name"):
        parse_options("layer-boundaries", {"layers": ["app core"]})
    with pytest.raises(ValidationError, match="listed twice"):
        parse_options("layer-boundaries", {"layers": ["app.core", ["app.api", "app.core"]]})
