"""The agent's answer: strict parsing, path checks and exact search/replace edits.

Every check refuses the whole answer (`RefusedAnswer`), never a part of it: an answer with one
bad edit is not trimmed to its good ones. The reason is written for the model, which gets it
back and may try again. Nothing here executes anything the model sent.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Collection, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError

from gc_bot.fix.secrets import MASK_MARKER

SCHEMA_NAME = "gc_bot_fix"

# What the model must answer, as a JSON schema in the subset that OpenAI's strict structured
# outputs accept (every property required, no additional properties).
ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "summary": {"type": "string", "description": "One line for the pull request title."},
        "explanation": {
            "type": "string",
            "description": "Why this change follows the principle, for the reviewer.",
        },
        "edits": {
            "type": "array",
            "description": "Exact search/replace edits, applied in order.",
            "items": {
                "type": "object",
                "properties": {
                    "path": {"type": "string"},
                    "search": {"type": "string"},
                    "replace": {"type": "string"},
                },
                "required": ["path", "search", "replace"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["summary", "explanation", "edits"],
    "additionalProperties": False,
}

RESPONSE_FORMAT: dict[str, Any] = {
    "type": "json_schema",
    "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": ANSWER_SCHEMA},
}

# Never editable, whatever the proposal lists: git's own files, CI workflows, the principles.
_PROTECTED_PREFIXES = (".github/workflows/", "principles/")
_FENCED = re.compile(r"\A```(?:json)?[ \t]*\n(?P<body>.*)\n```\Z", re.DOTALL)


class RefusedAnswer(ValueError):
    """The whole answer is refused; `str(error)` says why, for the model."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Edit(_Strict):
    path: StrictStr
    search: StrictStr
    replace: StrictStr


class FixAnswer(_Strict):
    summary: StrictStr
    explanation: StrictStr
    edits: list[Edit] = Field(min_length=1)


def parse_answer(content: str | None) -> FixAnswer:
    """The answer as a `FixAnswer`, or `RefusedAnswer` for anything but the exact schema.

    The one leniency: a JSON object wrapped whole in a Markdown code fence (some local servers
    add one) is unwrapped; the object itself must still match the schema exactly.
    """
    text = (content or "").strip()
    if not text:
        raise RefusedAnswer("the answer was empty; send the JSON object described above")
    fenced = _FENCED.match(text)
    if fenced:
        text = fenced["body"].strip()
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except (ValueError, RecursionError) as error:
        raise RefusedAnswer(
            f"the answer is not valid JSON ({_short(error)}); send only the JSON object"
        ) from None
    try:
        answer = FixAnswer.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'answer'}: {e['msg']}"
            for e in error.errors()[:5]
        )
        raise RefusedAnswer(f"the answer does not match the required schema ({problems})") from None
    return answer


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise ValueError(f"duplicate key {duplicates[0]!r}")
    return dict(pairs)


def normalise_path(path: str) -> str | None:
    """`path` as a clean repository-relative POSIX path, or None when it is not one.

    Refused: empty, absolute (`/x`, `C:/x`, `//host/x`), any backslash, a NUL or other control
    character, `~`, and any `..` component. `./a//b` becomes `a/b`.
    """
    if not path or path != path.strip() or "\\" in path or path.startswith("~"):
        return None
    if any(ord(c) < 32 or ord(c) == 127 for c in path):
        return None
    if path.startswith("/") or re.match(r"[A-Za-z]:", path):
        return None
    if ".." in path.split("/"):
        return None
    clean = posixpath.normpath(path)
    if clean in (".", "") or clean.startswith(("/", "../")) or clean == "..":
        return None
    return clean


def protected(path: str) -> bool:
    """Paths no proposal may touch: `.git` anywhere, CI workflows, the principles folder."""
    lowered = path.lower()
    parts = lowered.split("/")
    return ".git" in parts or lowered.startswith(_PROTECTED_PREFIXES)


def check_path(path: str, allowed: Collection[str]) -> str:
    """The normalised path when an edit may touch it, else `RefusedAnswer`."""
    clean = normalise_path(path)
    if clean is None:
        raise RefusedAnswer(
            f"edit path {path!r} is not a plain relative path inside the repository; "
            "use exactly one of the paths shown"
        )
    if protected(clean):
        raise RefusedAnswer(f"edit path {path!r} is protected and may never be edited")
    if clean not in allowed:
        raise RefusedAnswer(
            f"edit path {path!r} is not one of the files of this proposal "
            f"({', '.join(sorted(allowed))}); only those may be edited"
        )
    return clean


def apply_answer(answer: FixAnswer, files: Mapping[str, str]) -> dict[str, str]:
    """New full texts of the files the answer changes; `RefusedAnswer` if any edit is bad.

    Edits apply in order, each to the text left by the ones before it, and each `search` must
    occur exactly once in that text. Paths are checked for every edit before any is applied.
    """
    paths = [check_path(edit.path, files) for edit in answer.edits]
    current = dict(files)
    for number, (path, edit) in enumerate(zip(paths, answer.edits, strict=True), start=1):
        current[path] = _apply_one(number, path, edit, current[path])
    changed = {path: current[path] for path in dict.fromkeys(paths) if current[path] != files[path]}
    if not changed:
        raise RefusedAnswer("the edits change nothing; the findings are still there")
    return changed


def _apply_one(number: int, path: str, edit: Edit, text: str) -> str:
    where = f"edit {number} ({path})"
    if not edit.search:
        raise RefusedAnswer(f"{where}: `search` is empty; quote the exact text to replace")
    if MASK_MARKER.search(edit.replace):
        raise RefusedAnswer(
            f"{where}: `replace` contains a <masked:...> placeholder; masked values must be "
            "left where they are, never copied or rewritten"
        )
    first = text.find(edit.search)
    if first < 0:
        hint = (
            " (it quotes a masked value, which cannot be matched; choose text around it)"
            if MASK_MARKER.search(edit.search)
            else " (copy it exactly, whitespace included, without the line-number prefixes;"
            " earlier edits in the same answer have already been applied)"
        )
        raise RefusedAnswer(f"{where}: `search` text not found{hint}")
    if text.find(edit.search, first + 1) >= 0:
        count = _occurrences(text, edit.search)
        raise RefusedAnswer(
            f"{where}: `search` text occurs {count} times; include more surrounding lines so "
            "that it matches exactly once"
        )
    return text[:first] + edit.replace + text[first + len(edit.search) :]


def _occurrences(text: str, search: str) -> int:
    count, start = 0, text.find(search)
    while start >= 0:
        count += 1
        start = text.find(search, start + 1)
    return count


def _short(error: Exception) -> str:
    message = str(error)
    return message if len(message) <= 120 else message[:117] + "..."
