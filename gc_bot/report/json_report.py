from __future__ import annotations

import json

from gc_bot.principles import PrincipleSet
from gc_bot.scan import ScanResult


def render(result: ScanResult, principles: PrincipleSet) -> str:
    return json.dumps(result.to_json(), indent=2)
