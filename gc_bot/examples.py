"""`principles test`: every principle's bad examples are flagged by it, its good ones are not."""

from __future__ import annotations

import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gc_bot.principles import Detect, Example, Principle, PrincipleSet


@dataclass(frozen=True)
class ExampleOutcome:
    principle: str
    index: int
    kind: str  # "bad" or "good"
    passed: bool
    detail: str
    checked: bool = True  # False: a prose principle's example, with no agent to check it


NO_AGENT = "not checked (no agent)"


def run_examples(principles: PrincipleSet, reviewer: Any = None) -> list[ExampleOutcome]:
    """Every example's outcome; a prose principle's examples go to `reviewer`, if there is one."""
    outcomes = []
    for principle in principles:
        if not principle.examples:
            outcomes.append(ExampleOutcome(principle.id, 0, "bad", False, "has no examples"))
        for index, example in enumerate(principle.examples):
            for kind in ("bad", "good"):
                code = getattr(example, kind)
                if code is None:
                    continue
                if principle.detect.agent and reviewer is None:
                    outcomes.append(
                        ExampleOutcome(principle.id, index, kind, True, NO_AGENT, False)
                    )
                else:
                    outcomes.append(
                        _run_one(principles, principle, (index, kind, code), example, reviewer)
                    )
    return outcomes


def _run_one(
    principles: PrincipleSet,
    principle: Principle,
    case: tuple[int, str, str],  # index, "bad" or "good", the code
    example: Example,
    reviewer: Any,
) -> ExampleOutcome:
    from gc_bot.scan import scan

    index, kind, code = case
    options = {**principle.detect.options, **example.options}
    alone = principle.model_copy(
        update={"detect": Detect(**{**principle.detect.model_dump(), "options": options})}
    )
    with tempfile.TemporaryDirectory(prefix="gc-bot-example-") as tmp:
        target = (Path(tmp) / example.path).resolve()
        if not target.is_relative_to(Path(tmp).resolve()):  # the model checks it; never trust
            return ExampleOutcome(
                principle.id, index, kind, False, "example path leaves its folder"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(code), encoding="utf-8")
        # The set's own folder, so that a team's check beside it is found.
        alone_set = PrincipleSet((alone,), principles.source)
        result = scan(Path(tmp), alone_set, use_cache=False, jobs=1, agent=reviewer)
    own = [f for f in result.findings if f.principle == principle.id]
    if result.skipped:
        return ExampleOutcome(
            principle.id, index, kind, False, f"could not be scanned: {result.skipped[0].reason}"
        )
    if kind == "bad" and not own:
        return ExampleOutcome(principle.id, index, kind, False, "bad example is not flagged")
    if kind == "good" and own:
        where = "; ".join(f"line {f.line}: {f.message}" for f in own)
        return ExampleOutcome(
            principle.id, index, kind, False, f"good example is flagged ({where})"
        )
    return ExampleOutcome(principle.id, index, kind, True, f"{len(own)} finding(s)")
