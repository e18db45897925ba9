"""`fsm-dispatch approvals list|decide`: a question answered from the terminal is decided as a
click would decide it, and the Slack message says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from orchestrator.approvals import ProposedChange, request_approval
from orchestrator.cli import app
from orchestrator.settings import ApprovalSettings
from orchestrator.store import Store, make_engine, upgrade

EMERGENCY = ProposedChange(
    kind="emergency_insert",
    title="Emergency Pipe burst: Mike sent",
    why="w",
    technician="Mike",
    eta="09:40",
    job_ids=("J9",),
    safety_critical=True,
    options=(("tech:T05", "Ana instead: arrives 10:05, bumps 1"), ("decline", "Decline")),
)


def _setup(tmp_path: Path) -> tuple[Store, Path, list[int]]:
    db = tmp_path / "c.db"
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database: {{url: 'sqlite:///{db}'}}\n"
        "accounts:\n  - id: demo\n    platform: sandbox\n    timezone: America/Denver\n"
    )
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    store = Store(engine)
    now = datetime.now(UTC)
    ids = []
    for _ in range(3):
        approval = request_approval(
            store, account="demo", change=EMERGENCY, policy=ApprovalSettings(),
            channel="C1", now=now,
        )  # fmt: skip
        assert approval is not None
        ids.append(approval)
    # The first question reached Slack; the others are still in the outbox.
    (post,) = [r for r in store.outbox() if r.idempotency_key == f"approval:{ids[0]}:v1:post"]
    assert post.id is not None
    store.finish_outbox(post.id, status="sent", provider_id="C1:1733234400.000100")
    return store, config, ids


def _run(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["approvals", *args, "--config", str(config)])
    return result.exit_code, result.output


def test_an_answer_from_the_terminal_decides_once_and_edits_the_slack_message(
    tmp_path: Path,
) -> None:
    store, config, (posted, waiting, _) = _setup(tmp_path)
    code, out = _run(config, "list")
    assert code == 0 and "Emergency Pipe burst: Mike sent" in out
    assert "options: tech:T05 (Ana instead: arrives 10:05, bumps 1), decline (Decline)" in out
    assert "MST" in out  # expiry in the account's zone

    code, out = _run(
        config, "decide", str(posted), "choose", "--option", "tech:T05", "--by", "dana"
    )
    assert code == 0, out
    row = store.get_approval(posted)
    assert row is not None
    assert (row.status, row.decision, row.decided_by) == ("chosen", "tech:T05", "cli:dana")
    (update,) = [m for m in store.outbox() if m.channel == "slack_update"]
    assert update.payload["channel"] == "C1" and update.payload["ts"] == "1733234400.000100"
    text = update.payload["text"]
    assert text.startswith("Option chosen by dana at ") and "(command line)" in text
    assert text.endswith(": Ana instead: arrives 10:05, bumps 1")
    assert [a.action for a in store.audit_log(f"approval:{posted}")] == ["approval.chosen"]

    # Whoever comes second is told, and nothing changes.
    code, out = _run(config, "decide", str(posted), "approve", "--by", "eve")
    assert code == 1 and f"approval {posted} is already chosen by cli:dana" in out
    assert store.get_approval(posted).status == "chosen"  # type: ignore[union-attr]

    # A question not yet posted is withdrawn rather than asked after it was answered.
    code, _ = _run(config, "decide", str(waiting), "reject", "--by", "dana")
    assert code == 0
    (post,) = [r for r in store.outbox() if r.idempotency_key == f"approval:{waiting}:v1:post"]
    assert post.status == "dead"
    code, out = _run(config, "list")
    assert f"#{posted} " not in out and f"#{waiting} " not in out and "#" in out
    code, out = _run(config, "list", "--all")
    assert "chosen (cli:dana)" in out and "rejected (cli:dana)" in out


def test_a_choice_the_question_did_not_offer_or_a_missing_option_is_refused(
    tmp_path: Path,
) -> None:
    store, config, (first, _, _) = _setup(tmp_path)
    code, out = _run(config, "decide", str(first), "choose", "--option", "tech:T99", "--by", "d")
    assert code == 1 and "offers tech:T05, decline" in out
    code, out = _run(config, "decide", str(first), "choose", "--by", "d")
    assert code == 2 and "--option goes with choose" in out
    code, out = _run(config, "decide", "999", "approve", "--by", "d")
    assert code == 1 and "no approval 999" in out
    assert store.get_approval(first).status == "pending"  # type: ignore[union-attr]
    assert datetime.now(UTC) < store.get_approval(first).expires_at + timedelta(minutes=1)  # type: ignore[union-attr]
