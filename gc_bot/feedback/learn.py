"""`gc-bot learn PRINCIPLE`: distil decisions and sessions into better guidance, as a proposal.

The agent writes text (guidance, an example pair), never edits; gc-bot writes the principle
file itself, checks it with the principles' own examples, and proposes it on a branch.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from gc_bot.errors import OperationalError, UsageError, near_match
from gc_bot.feedback.decide import Store
from gc_bot.feedback.harvest import repo_id
from gc_bot.feedback.ledger import now
from gc_bot.git import Git
from gc_bot.principles import load_principles, principles_dir_for
from gc_bot.scaffold import own_folder

SCHEMA_NAME = "gc_bot_learn"
_SCHEMA = {
    "type": "object",
    "properties": {
        "guidance": {"type": "string"},
        "example_bad": {"type": "string"},
        "example_good": {"type": "string"},
        "explanation": {"type": "string"},
    },
    "required": ["guidance", "example_bad", "example_good", "explanation"],
    "additionalProperties": False,
}
_SESSION_CHARS = 1500


class LearnAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    guidance: str
    example_bad: str
    example_good: str
    explanation: str


@dataclass
class LearnResult:
    principle: str
    branch: str
    commit: str
    diff: str
    example_added: bool
    tokens: int


def learn(root: Path, principle_id: str) -> LearnResult:
    store = Store.open(root)
    principles = load_principles(principles_dir_for(store.git.root, store.config.principles))
    principle = principles.get(principle_id)
    if principle is None:
        raise UsageError(
            f"unknown principle {principle_id!r}{near_match(principle_id, (p.id for p in principles))}"
            " (see gc-bot principles list)"
        )
    if not store.config.agent_enabled():
        raise UsageError(
            "learn needs an agent: set OPENAI_API_KEY, or OPENAI_BASE_URL for a local server"
        )
    answer, tokens = _ask(store, principle)
    guidance = answer.guidance.strip()
    if not guidance:
        raise OperationalError("the agent proposed empty guidance; nothing to propose")
    base_name, base_commit = store.git.resolve_base(store.config.base)
    with store.git.worktree(base_commit) as tree:
        folder = _principles_folder(tree, store)
        example = (answer.example_bad, answer.example_good) if answer.example_bad.strip() else None
        path = folder / f"{principle_id}.yaml"
        original = path.read_text(encoding="utf-8")
        example_added = _rewrite(path, original, guidance, example)
        problem = _check(folder, principle_id)
        if problem and example_added:  # keep the guidance, drop an example that does not hold
            _rewrite(path, original, guidance, None)
            example_added, problem = False, _check(folder, principle_id)
        if problem:
            raise OperationalError(f"the learnt principle fails its own test: {problem}")
        diff = Git(tree).run("diff", "--no-color")
        digest = hashlib.sha256(diff.encode()).hexdigest()[:10]
        branch = f"gc-bot/learn/{principle_id}/{digest}"
        message = f"gc-bot: learn from feedback on {principle_id}\n\n{answer.explanation.strip()}\n"
        commit = store.git.commit_worktree(tree, message)
    if store.git.rev(f"refs/heads/{branch}") is None:
        store.git.update_ref(f"refs/heads/{branch}", commit)
    result = LearnResult(principle_id, branch, commit, diff, example_added, tokens)
    _record(store, result, (base_name, base_commit))
    return result


def _ask(store: Store, principle) -> tuple[LearnAnswer, int]:
    from gc_bot.fix.agent import AgentFixer, TokenBudget, quote_data, render

    lessons = _material(store, principle.id)
    agent = AgentFixer(model=store.config.model, budget=TokenBudget(store.config.token_budget))
    agent.response_format = {
        "type": "json_schema",
        "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": _SCHEMA},
    }
    messages = [
        {"role": "system", "content": render("learn_system.md.j2")},
        {
            "role": "user",
            "content": render(
                "learn_request.md.j2", principle=principle, quote=quote_data, **lessons
            ),
        },
    ]
    import openai

    try:
        response = agent.complete(messages)
    except openai.OpenAIError as error:
        raise OperationalError(
            f"the agent could not be reached: {type(error).__name__}: {error}"
        ) from None
    content = (response.choices[0].message.content or "") if response.choices else ""
    tokens = response.usage.total_tokens if response.usage else 0
    try:
        return LearnAnswer.model_validate(json.loads(content)), tokens
    except (json.JSONDecodeError, ValidationError) as error:
        raise OperationalError(
            f"the agent's answer is not the {SCHEMA_NAME} JSON: {error}"
        ) from None


def _material(store: Store, principle: str) -> dict[str, list[str]]:
    from gc_bot.feedback.lessons import lessons_for

    lessons = lessons_for(
        store.state,
        principle,
        max(5, store.config.lessons_max_items),
        store.config.lessons_max_chars * 2,
    )
    sessions = []
    for p in store.state.counted():
        if p["principle"] == principle and store.state.verdict(p["id"]) == "down":
            events = store.ledger.session(p["id"]) or []
            text = "\n".join(
                f"[{e.get('role') or e.get('kind')}] {e.get('content', '')}" for e in events[-4:]
            )
            if text:
                sessions.append(text[-_SESSION_CHARS:])
    return {"accepted": lessons.accepted, "rejected": lessons.rejected, "sessions": sessions[-3:]}


def _principles_folder(tree: Path, store: Store) -> Path:
    """The repository's own folder; the starter set is copied in first where it has none."""
    configured = store.config.principles
    folder = tree / (configured or "principles")
    own_folder(folder)
    return folder


def _literal(dumper: yaml.SafeDumper, value: str):
    return dumper.represent_scalar(
        "tag:yaml.org,2002:str", value, style="|" if "\n" in value else None
    )


def _rewrite(path: Path, original: str, guidance: str, example: tuple[str, str] | None) -> bool:
    data = yaml.safe_load(original)
    data["guidance"] = guidance.rstrip() + "\n"
    if example:
        bad, good = example
        data.setdefault("examples", []).append(
            {"bad": bad.rstrip() + "\n", "good": good.rstrip() + "\n"}
        )

    class Dumper(yaml.SafeDumper):
        pass

    Dumper.add_representer(str, _literal)
    path.write_text(
        yaml.dump(data, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100),
        encoding="utf-8",
    )
    return example is not None


def _check(folder: Path, principle_id: str) -> str | None:
    from gc_bot.examples import run_examples
    from gc_bot.principles import PrincipleError

    try:
        principles = load_principles(folder)
    except PrincipleError as error:
        return str(error)
    failed = [o for o in run_examples(principles) if not o.passed]
    return (
        "; ".join(f"{o.principle} example {o.index + 1} ({o.kind}): {o.detail}" for o in failed)
        or None
    )


def _record(store: Store, result: LearnResult, base: tuple[str, str]) -> None:
    proposal = f"learn-{result.branch.rsplit('/', 1)[1]}"
    store.ledger.append(
        [
            {
                "key": f"proposal:{proposal}",
                "type": "proposal",
                "kind": "learn",
                "id": proposal,
                "principle": result.principle,
                "fingerprints": [],
                "files": [
                    line[6:] for line in result.diff.splitlines() if line.startswith("+++ b/")
                ],
                "branch": result.branch,
                "base": base[0],
                "base_commit": base[1],
                "commit": result.commit,
                "fixer": "learn",
                "tokens": result.tokens,
                "summary": f"learn from feedback on {result.principle}",
                "diff": result.diff[:4000],
                "repo_id": repo_id(store.git),
                "at": now(),
            }
        ]
    )
