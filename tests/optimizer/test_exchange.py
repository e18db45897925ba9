"""The pair's exchange: a search posts each better day, the other takes it between batches."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import tempfile
import time as clock
from pathlib import Path

import pytest

from optimizer import Problem, SolveParams
from optimizer import exchange as exchange_module
from optimizer import workers as workers_module
from optimizer._anneal_kernel import FieldAnnealer
from optimizer.assemble import PlanScorer, first_routes, timed_outcome
from optimizer.exchange import ExchangeFolder, Mailbox
from optimizer.pair import Partner
from optimizer.recreate import improve_by_recreate
from tests.optimizer.conftest import constructed

TIMED = SolveParams()


def test_a_posted_day_is_taken_once_and_a_newer_one_again(tmp_path: Path) -> None:
    day = tmp_path / "day"
    poster, reader = Mailbox(post_to=day), Mailbox(read_from=day)
    assert reader.take() is None, "nothing posted yet"
    assert poster.post(120.5, [[3, 1], [], [2]])
    taken = reader.take()
    assert taken is not None
    assert (taken.value, taken.routes) == (120.5, [[3, 1], [], [2]])
    assert reader.take() is None, "the same post is not taken twice"
    assert not poster.post(99.0, [[1, 3], [], [2]]), "posts closer than POST_SECONDS are skipped"
    assert reader.take() is None
    assert poster.post(99.0, [[1, 3], [], [2]], force=True)
    again = reader.take()
    assert again is not None and (again.value, again.routes) == (99.0, [[1, 3], [], [2]])


def test_posts_are_spaced_by_post_seconds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    monkeypatch.setattr(
        exchange_module, "clock", type("Clock", (), {"perf_counter": lambda: now[0]})
    )
    poster = Mailbox(post_to=tmp_path / "day")
    assert poster.post(3.0, [[0]])
    now[0] += exchange_module.POST_SECONDS / 2
    assert not poster.post(2.0, [[0]])
    now[0] += exchange_module.POST_SECONDS / 2
    assert poster.post(2.0, [[0]])


def test_a_file_that_is_not_a_post_is_not_taken(tmp_path: Path) -> None:
    day = tmp_path / "day"
    day.write_bytes(b"not a pickle")
    assert Mailbox(read_from=day).take() is None
    assert Mailbox(read_from=tmp_path / "missing").take() is None
    # A side with nowhere to post posts nothing.
    assert not Mailbox().post(1.0, [[0]])


def test_the_folder_pairs_the_mailboxes_and_goes_with_its_owner() -> None:
    folder = ExchangeFolder()
    path = folder.path
    worker, here = folder.mailboxes()
    assert worker.post(7.0, [[0, 1]])
    taken = here.take()
    assert taken is not None and taken.routes == [[0, 1]]
    assert here.post_to is None and worker.read_from is None, "the worker posts, this side reads"
    del folder
    gc.collect()
    assert not path.exists(), "the folder and its posts are removed with the exchange"


def test_folders_of_processes_that_ended_are_removed_by_the_next_one(tmp_path: Path) -> None:
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead = int(ended.stdout)
    orphan = tmp_path / f"{exchange_module.PREFIX}{dead}-abc"
    orphan.mkdir()
    (orphan / "worker.day").write_bytes(b"x")
    alive = tmp_path / f"{exchange_module.PREFIX}{os.getpid()}-def"
    alive.mkdir()
    other = tmp_path / "something-else"
    other.mkdir()
    folder = ExchangeFolder(tmp_path)
    assert folder.path.parent == tmp_path
    assert folder.path.name.startswith(f"{exchange_module.PREFIX}{os.getpid()}-")
    assert not orphan.exists(), "a killed process's folder goes"
    assert alive.exists() and other.exists(), "a running process's folder, or another, stays"
    folder.close()
    assert not folder.path.exists()


def test_a_search_takes_a_cheaper_posted_day_at_once(day_12x47: Problem, tmp_path: Path) -> None:
    arrays, routes = constructed(day_12x47, TIMED)
    base = timed_outcome(arrays, routes)
    scorer = PlanScorer(arrays, base)
    # A day found by a longer search elsewhere, posted with its compiled cost.
    elsewhere = FieldAnnealer(arrays)
    elsewhere.load(routes)
    assert elsewhere.run(20_000, 0.0, seed=3)
    posted = tmp_path / "worker.day"
    assert Mailbox(post_to=posted).post(elsewhere.best, elsewhere.best_routes())

    def search(mailbox: Mailbox | None) -> list[list[int]]:
        found, _ = improve_by_recreate(
            arrays,
            first_routes(base, arrays.n_techs),
            deadline=clock.perf_counter() + 5.0,
            seed=0,
            params=TIMED,
            score=lambda r, t: scorer(t),
            rebuilds=False,
            moves=1,
            mailbox=mailbox,
        )
        return found

    alone = FieldAnnealer(arrays)
    alone.load(search(None))
    assert alone.best > elsewhere.best + 1e-6, "one string move cannot reach that day"
    taken = FieldAnnealer(arrays)
    taken.load(search(Mailbox(read_from=posted)))
    assert taken.best == pytest.approx(elsewhere.best), "the posted day is taken, one move in"


def test_the_worker_posts_its_better_days_while_it_searches(day_12x47: Problem) -> None:
    arrays, routes = constructed(day_12x47, TIMED)
    assert workers_module.start_workers()
    partner = Partner(arrays, TIMED, seed=3)
    assert partner.pool is not None and partner.ours is not None
    start = FieldAnnealer(arrays)
    start.load(routes)
    partner.start(routes, clock.perf_counter() + 1.0)
    seen: list[float] = []
    while partner.running and clock.perf_counter() < partner.until:
        posted = partner.ours.take()
        if posted is not None:
            seen.append(posted.value)
            # Each post is a valid day of the same arrays, costed as this process costs it.
            check = FieldAnnealer(arrays)
            check.load(posted.routes)
            assert check.best == pytest.approx(posted.value)
            served = [j for r in posted.routes for j in r]
            assert len(served) == len(set(served)), "no job twice"
        clock.sleep(0.01)
    found = partner.result()
    assert found is not None
    assert seen, "better days reach this process before the search ends"
    assert seen[0] < start.best
    assert seen == sorted(seen, reverse=True), "each post is a better day than the last"


def test_without_a_folder_to_write_in_the_pair_still_searches(
    day_12x47: Problem, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(*args: object, **kwargs: object) -> str:
        raise PermissionError("read-only file system")

    monkeypatch.setattr(tempfile, "mkdtemp", refused)
    arrays, routes = constructed(day_12x47, TIMED)
    assert workers_module.start_workers()
    partner = Partner(arrays, TIMED, seed=3)
    assert partner.pool is not None, "the worker is still used"
    assert partner.exchange is None and partner.theirs is None and partner.ours is None
    partner.start(routes, clock.perf_counter() + 0.5)
    found = partner.result()
    assert found is not None, "its day comes back at the meeting, as before"
