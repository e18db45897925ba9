"""Approvals: the YAML policy decides which dispatch changes wait for a coordinator in Slack.

A change that needs approval is stored and its Slack message queued in one transaction. A click
is verified by the web app, then decided here by one conditional UPDATE, so a double click, two
coordinators, or a click racing the expiry all resolve to exactly one decision. The clicked
message is then replaced (buttons removed, who decided) through the outbox.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Literal
from urllib.parse import parse_qs

from notifications import ApprovalRequest, approval_blocks
from orchestrator.settings import ApprovalSettings
from orchestrator.store import ApprovalRow, Store

__all__ = [
    "Click",
    "ClickError",
    "ProposedChange",
    "approval_reasons",
    "decide_click",
    "decide_elsewhere",
    "CLI",
    "expire_due",
    "parse_click",
    "request_approval",
]

ChangeKind = Literal["emergency_insert", "reassign", "window_change", "overrun_cascade"]


@dataclass(frozen=True)
class ProposedChange:
    kind: ChangeKind
    title: str
    why: str
    technician: str
    eta: str
    job_ids: tuple[str, ...]
    sla_penalty_usd: float = 0
    safety_critical: bool = False
    breaks_preferred_tech: bool = False
    bumped: tuple[tuple[str, int], ...] = ()
    """(customer label, minutes of delay) for each job the change pushes back."""
    options: tuple[tuple[str, str], ...] = field(default=())
    """(value, label) alternatives a coordinator may choose instead."""
    from_technician: str | None = None
    """For a reassignment: the id of the technician the board has the visit with."""
    to_technician: str | None = None
    """For a reassignment: the id of the technician the plan gives it to."""


_VERBS = {"approved": "Approved", "rejected": "Rejected", "chosen": "Option chosen"}
"""How a decision reads in the message that replaces the question."""

_REJECT_MEANS = {
    "emergency_insert": "Nobody is sent: the visit comes off the board and out of today's plans."
}


def approval_reasons(change: ProposedChange, policy: ApprovalSettings) -> list[str]:
    """Why `change` needs a coordinator; empty means it may be applied automatically."""
    reasons = []
    if change.sla_penalty_usd > policy.sla_penalty_usd_over:
        reasons.append(
            f"SLA penalty ${change.sla_penalty_usd:,.0f} over ${policy.sla_penalty_usd_over:,.0f}"
        )
    if policy.safety_critical and change.safety_critical:
        reasons.append("safety-critical job")
    if policy.preferred_tech_break and change.breaks_preferred_tech:
        reasons.append("breaks a preferred technician pairing")
    delayed = [who for who, minutes in change.bumped if minutes > 0]
    if len(delayed) > policy.cascade_customers_over:
        reasons.append(
            f"delays {len(delayed)} customers (policy allows {policy.cascade_customers_over})"
        )
    return reasons


def request_approval(
    store: Store,
    *,
    account: str,
    change: ProposedChange,
    policy: ApprovalSettings,
    channel: str,
    now: datetime,
    zone: tzinfo = UTC,
) -> int | None:
    """Store the change and queue its Slack message; None when the policy lets it through.
    The expiry is shown in `zone`, the account's, as the rest of the question is."""
    reasons = approval_reasons(change, policy)
    if not reasons:
        return None
    expires = now + timedelta(minutes=policy.timeout_minutes)
    with store.transaction() as session:
        row = store.create_approval(
            account=account,
            kind=change.kind,
            change=asdict(change),
            reasons=reasons,
            expires_at=expires,
            created_at=now,
            session=session,
        )
        assert row.id is not None
        request = ApprovalRequest(
            approval_id=str(row.id),
            version=row.version,
            title=change.title,
            why=f"{change.why}\n_Needs approval: {'; '.join(reasons)}._",
            technician=change.technician,
            eta=change.eta,
            bumped=change.bumped,
            options=change.options,
            expires=f"{expires.astimezone(zone):%H:%M %Z}",
            reject_means=_REJECT_MEANS.get(change.kind, "The current plan stays as it is."),
        )
        store.enqueue(
            idempotency_key=f"approval:{row.id}:v{row.version}:post",
            channel="slack",
            account=account,
            payload={
                "channel": channel,
                "text": f"Approval needed: {change.title}",
                "blocks": list(approval_blocks(request)),
            },
            available_at=now,
            session=session,
        )
        return row.id


class ClickError(ValueError):
    """A Slack interaction payload we cannot act on."""


@dataclass(frozen=True)
class Click:
    approval_id: int
    version: int
    action: Literal["approve", "reject", "choose_option"]
    value: str | None
    user_id: str
    user_name: str
    response_url: str
    label: str | None = None
    """The chosen option's text, as the coordinator read it."""


def parse_click(body: bytes) -> Click:
    """Read a `block_actions` interaction (form field `payload`, JSON) into a Click."""
    try:
        form = parse_qs(body.decode("utf-8"), strict_parsing=True)
        payload = json.loads(form["payload"][0])
        action = payload["actions"][0]
        kind, approval_id, version = action["block_id"].split(":")
        if kind != "approval" or not version.startswith("v"):
            raise ClickError(f"not an approval block: {action['block_id']!r}")
        action_id = action["action_id"]
        if action_id not in ("approve", "reject", "choose_option"):
            raise ClickError(f"unknown action {action_id!r}")
        selected = action.get("selected_option") or {}
        value = selected.get("value") or action.get("value")
        label = (selected.get("text") or {}).get("text")
        user = payload["user"]
        return Click(
            approval_id=int(approval_id),
            version=int(version[1:]),
            action=action_id,
            value=value,
            user_id=user["id"],
            user_name=user.get("username") or user.get("name") or user["id"],
            response_url=payload["response_url"],
            label=label,
        )
    except (KeyError, IndexError, ValueError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        if isinstance(exc, ClickError):
            raise
        raise ClickError(f"malformed interaction payload: {exc}") from exc


def decide_click(
    store: Store,
    click: Click,
    *,
    now: datetime,
    approvers: Sequence[str] | None = None,
    zone_of: Callable[[str], tzinfo] | None = None,
) -> tuple[bool, str]:
    """Apply a click; returns (decided, text shown to the coordinator). `zone_of` gives an
    account's time zone, for the time the message says it was decided."""
    if approvers is not None and click.user_id not in approvers:
        return False, "You are not on the approvers list for dispatch changes."
    status = {"approve": "approved", "reject": "rejected", "choose_option": "chosen"}[click.action]
    with store.transaction() as session:
        won = store.decide_approval(
            click.approval_id,
            version=click.version,
            status=status,
            decided_by=click.user_id,
            decision=click.value if click.action == "choose_option" else None,
            now=now,
            session=session,
        )
        if not won:
            current = store.get_approval(click.approval_id)
            who = f" by <@{current.decided_by}>" if current and current.decided_by else ""
            state = current.status if current else "unknown"
            return False, f"Already {state}{who}."
        verb = _VERBS[status]
        row = store.get_approval(click.approval_id, session=session)
        zone = zone_of(row.account) if zone_of is not None and row is not None else UTC
        text = f"{verb} by <@{click.user_id}> at {now.astimezone(zone):%H:%M %Z}"
        if click.action == "choose_option" and click.value:
            text += f": {click.label or click.value}"
        store.enqueue(
            idempotency_key=f"approval:{click.approval_id}:decided",
            channel="slack_response",
            payload={"response_url": click.response_url, "text": text, "replace_original": True},
            available_at=now,
            session=session,
        )
        store.audit(
            actor=f"slack:{click.user_id}",
            action=f"approval.{status}",
            subject=f"approval:{click.approval_id}",
            after={"decision": click.value} if click.value else None,
            session=session,
        )
    return True, text


def expire_due(
    store: Store, *, now: datetime, zone_of: Callable[[str], tzinfo] | None = None
) -> list[int]:
    """Close approvals nobody decided in time; the safe default is to leave the plan as it is.
    The message gives the time in the account's zone (`zone_of`), else in UTC.

    The Slack message is edited to say so (buttons removed), or, if it never left, it is
    withdrawn so a stale question is never asked.
    """
    expired = []
    for row in store.due_approvals(now):
        assert row.id is not None
        if not store.decide_approval(
            row.id, version=row.version, status="expired", decided_by="policy:timeout", now=now
        ):
            continue
        store.audit(
            actor="policy:timeout",
            action="approval.expired",
            subject=f"approval:{row.id}",
            reason="no decision in time",
        )
        _close_message(
            store,
            row,
            f"Expired at {_local(now, row.account, zone_of)} without a decision; "
            "the plan stays as it was.",
            key=f"approval:{row.id}:expired",
            now=now,
            withdrawn="approval expired before it was posted",
        )
        expired.append(row.id)
    return expired


def _local(moment: datetime, account: str, zone_of: Callable[[str], tzinfo] | None) -> str:
    zone = zone_of(account) if zone_of is not None else UTC
    return f"{moment.astimezone(zone):%H:%M %Z}"


Answer = Literal["approved", "rejected", "chosen"]

CLI = "cli:"
"""Prefix of `decided_by` for answers given outside Slack: the running service, which hears of
a click at once, looks for these (`DispatchService.watch_answers_once`)."""


def decide_elsewhere(
    store: Store,
    approval_id: int,
    *,
    status: Answer,
    decided_by: str,
    now: datetime,
    decision: str | None = None,
    zone_of: Callable[[str], tzinfo] | None = None,
) -> tuple[bool, str]:
    """Decide an approval outside Slack (the command line): the same one conditional update as
    a click, audited, and the Slack message edited to say who decided (buttons removed), or
    withdrawn if it never left. Returns (decided, what happened)."""
    row = store.get_approval(approval_id)
    if row is None:
        return False, f"no approval {approval_id}"
    if status == "chosen":
        offered = [value for value, _ in row.change.get("options") or []]
        if decision not in offered:
            return False, f"approval {approval_id} offers {', '.join(offered) or 'no options'}"
    with store.transaction() as session:
        won = store.decide_approval(
            approval_id, version=row.version, status=status, decided_by=f"{CLI}{decided_by}",
            decision=decision, now=now, session=session,
        )  # fmt: skip
        if not won:
            current = store.get_approval(approval_id, session=session)
            state = current.status if current else "unknown"
            who = f" by {current.decided_by}" if current and current.decided_by else ""
            return False, f"approval {approval_id} is already {state}{who}"
        store.audit(
            actor=f"{CLI}{decided_by}",
            action=f"approval.{status}",
            subject=f"approval:{approval_id}",
            after={"decision": decision} if decision else None,
            session=session,
        )
    verb = _VERBS[status]
    text = f"{verb} by {decided_by} at {_local(now, row.account, zone_of)} (command line)"
    if decision:
        labels = dict(row.change.get("options") or [])
        text += f": {labels.get(decision, decision)}"
    _close_message(
        store, row, text, key=f"approval:{approval_id}:decided", now=now,
        withdrawn="approval decided before it was posted",
    )  # fmt: skip
    return True, text


def _close_message(
    store: Store, row: ApprovalRow, text: str, *, key: str, now: datetime, withdrawn: str
) -> None:
    """Edit the approval's Slack message to `text` with its buttons removed, or, if it never
    left, withdraw it so a question already answered is never asked."""
    post = store.outbox_item(f"approval:{row.id}:v{row.version}:post")
    if post is None or post.id is None:
        return
    if post.status == "sent" and post.provider_id and ":" in post.provider_id:
        channel, ts = post.provider_id.split(":", 1)
        store.enqueue(
            idempotency_key=key,
            channel="slack_update",
            account=row.account,
            payload={"channel": channel, "ts": ts, "text": text},
            available_at=now,
        )
    elif post.status == "pending":
        store.finish_outbox(post.id, status="dead", error=withdrawn)
