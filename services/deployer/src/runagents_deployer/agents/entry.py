"""The analysis report's entry point, read as the contract the analyzer and the runtime share."""

from typing import Any

from pydantic import ValidationError
from runagents_contracts.entry import EntryPoint

from runagents_common.errors import InvalidRequest


def report_entry(report: dict[str, Any]) -> EntryPoint | None:
    """The entry the analysis chose, or None when it found none. Reports older than the contract hold only
    ``file`` and ``reason``: they read as an entry whose adapter the runtime decides."""
    raw = report.get("entry_point")
    if not isinstance(raw, dict) or not raw.get("file"):
        return None
    known = {key: value for key, value in raw.items() if key in EntryPoint.model_fields}
    known.setdefault("reason", "")
    try:
        return EntryPoint.model_validate(known)
    except ValidationError as exc:
        raise InvalidRequest(f"the analysis report's entry point is not one this deployer reads: {exc}") from exc


def refuse_unless_it_takes_the_message(entry: EntryPoint) -> None:
    """An entry that cannot take the user's message would answer every invoke with nothing: refused."""
    if entry.takes_message:
        return
    refusal = entry.refusal or ""
    where = f"{entry.file}" + (f" ({entry.target})" if entry.target else "")
    raise InvalidRequest(
        f"the agent's entry {where} cannot take the user's message, so it could never answer an invoke; "
        "add a handler that takes the message and calls your agent"
        + (f":\n{refusal}" if refusal else ""),
        entry_point=entry.model_dump(mode="json"), refusal=refusal,
    )
