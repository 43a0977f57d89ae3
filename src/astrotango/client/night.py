"""The main job: a whole simulated night on the default observatory (what ``make run`` shows).

It plays a night's timeline (:mod:`astrotango.client.scenario`; the sample night is
:func:`astrotango.samples.night_scenario`: most documents at 17:30, more through the evening, a
target of opportunity at 23:10), each submission at its simulated instant, lets the
observatory run by itself under a live view (telescopes, tasks with progress, constraint gates
and interlocks, lifecycle counts) while the simulated weather does its worst, and ends with a
summary of every observation, the safety oracle's verdicts
(:mod:`astrotango.client.safety_oracle`: zero everywhere, or the night fails), the
correctness oracle's (:mod:`astrotango.client.correctness_oracle`, read from the store: zero
violations, or the night fails) and the night report (HTML with PNG plots,
:mod:`astrotango.client.report`).

One person is on duty: the :class:`NightOperator` resets a fired interlock once its trigger
has been clear for the scenario's ``reset_after_clear_min`` (half an hour in the sample), as
an observatory's operator would after a squall (the interlock itself never clears by itself,
mission/004).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import tango
from rich.console import Console
from rich.live import Live
from rich.table import Table

from astrotango.client.correctness_oracle import Mount, correctness_table, judge_store
from astrotango.client.live_view import render_frame
from astrotango.client.observatory import Observatory, SafetyView
from astrotango.client.report import (
    SafetySample,
    SiteInfo,
    efficiencies,
    task_runs,
    write_night_report,
)
from astrotango.client.report.efficiency import EFFICIENCY_HEADERS, Efficiency, efficiency_row
from astrotango.client.safety_oracle import all_ok, safety_table
from astrotango.client.safety_recorder import SafetyRecorder
from astrotango.client.scenario import Scenario
from astrotango.control.scheduler import telescopes_from_json
from astrotango.domain import TERMINAL_OBSERVATION_STATUSES
from astrotango.hardware import Site
from astrotango.launcher import System

__all__ = ["LOOK_S", "NightOperator", "run_night"]

#: Simulated seconds between two looks of the job (operator, safety samples, live view) on
#: virtual time; on a scaled clock it looks every real second.
LOOK_S = 120.0
#: Real seconds the job waits for the live view's last drawing when the night ends.
_DRAW_JOIN_S = 10.0
#: Real seconds between two drawings of the live view.
_DRAW_EVERY_S = 0.5


class NightOperator:
    """Watches the interlocks; resets one once its trigger has been clear for ``clear_for``.

    Args:
        reset: Resets an interlock by its short name.
        clear_for: How long (simulated) the trigger must read CLEAR first.
    """

    def __init__(
        self, reset: Callable[[str], None], clear_for: timedelta = timedelta(minutes=30)
    ) -> None:
        self._reset = reset
        self._clear_for = clear_for
        self._fired: set[str] = set()
        self._clear_since: dict[str, datetime] = {}
        self._reset_by_me: set[str] = set()
        self._safings: dict[str, dict[str, str]] = {}

    def look(self, now: datetime, view: SafetyView) -> list[str]:
        """One look at the safety devices; returns what happened worth a note."""
        notes = self._safing_notes(view)
        for name, fired in view.interlocks.items():
            if fired != (name in self._fired):
                self._fired ^= {name}
                if fired or name not in self._reset_by_me:
                    notes.append(f"{now:%H:%M} interlock {name} {'fired' if fired else 'reset'}")
                self._reset_by_me.discard(name)
            if not fired or view.triggers.get(name) != "CLEAR":
                self._clear_since.pop(name, None)
                continue
            since = self._clear_since.setdefault(name, now)
            if now - since >= self._clear_for:
                try:
                    self._reset(name)
                except tango.DevFailed as exc:
                    notes.append(f"{now:%H:%M} operator could not reset {name}: {exc.args[0].desc}")
                else:
                    self._reset_by_me.add(name)
                    notes.append(
                        f"{now:%H:%M} operator reset interlock {name}: trigger clear "
                        f"for {self._clear_for.total_seconds() / 60:.0f} min"
                    )
                self._clear_since.pop(name, None)
        return notes

    def _safing_notes(self, view: SafetyView) -> list[str]:
        """A note for each safing a telescope finished by itself (dawn, a bad gate, idle)."""
        notes = []
        for name, safing in view.safings.items():
            if not safing.get("outcome") or safing == self._safings.get(name):
                continue
            self._safings[name] = safing
            at = datetime.fromisoformat(safing["at"])
            notes.append(
                f"{at:%H:%M} {name} made itself safe ({safing['reason']}): {safing['outcome']}"
            )
        return notes


def run_night(system: System, console: Console, scenario: Scenario, *, report: Path) -> bool:
    """Play ``scenario`` to its end (simulated), then report; True if the night went well.

    ``report`` is the folder the night report goes to. Every device is named in the system's
    own database: whatever TANGO_HOST or a Tango host file says is never asked. On virtual
    time the job is a participant: time is held while it submits, and each submission and
    each look (``LOOK_S`` apart) happens at its simulated instant, whatever the load; on a
    scaled clock it looks every real second and submits what has fallen due.
    """
    observatory = Observatory(system.tango_host)
    clock = system.clock()
    with clock.participant():
        return _night(system, console, observatory, scenario, report)


def play_scenario(
    system: System, scenario: Scenario, console: Console, stop: threading.Event
) -> None:
    """Submit each of ``scenario``'s documents at its simulated instant, until ``stop``.

    For ``astrotango up --scenario``: the night goes on for the system's clients, and this
    thread (a participant of the system's clock) only plays the submissions. A refused
    document is reported and the rest are played.
    """
    observatory = Observatory(system.tango_host)
    clock = system.clock()
    for entry in scenario.submissions:
        if clock.sleep((entry.at - clock.now()).total_seconds(), stop):
            return
        try:
            observation_id = observatory.submit(entry.document)
        except tango.DevFailed as exc:
            reason = exc.args[0].desc if exc.args else str(exc)
            console.print(f"[red]{clock.now():%H:%M} {entry.name} refused: {reason}")
            continue
        console.print(f"{clock.now():%H:%M} submitted {entry.name} ({observation_id})")


def _night(
    system: System,
    console: Console,
    observatory: Observatory,
    scenario: Scenario,
    report: Path,
) -> bool:
    clock = system.clock()
    recorder = SafetyRecorder(
        observatory.devices_of_class("Telescope"),
        system.proxy,
        clock,
        interlocks=observatory.devices_of_class("ShutdownInterlock"),
    )
    recorder.start()  # subscribed before the first submission: the whole night is heard
    submitted: dict[str, str] = {}
    due = deque(scenario.submissions)
    notes: list[tuple[datetime, str]] = []

    def submit_due() -> None:
        while due and due[0].at <= clock.now():
            entry = due.popleft()
            submitted[observatory.submit(entry.document)] = entry.name
            if entry.at > scenario.start:
                notes.append((clock.now(), f"{clock.now():%H:%M} submitted {entry.name}"))

    submit_due()
    console.print(
        f"Submitted {len(submitted)} observations, {len(due)} more to come; "
        "the night runs by itself."
    )
    operator = NightOperator(observatory.reset_interlock, scenario.reset_after_clear)
    samples: list[SafetySample] = []
    until = scenario.end
    start, wall_start, held_before = clock.now(), time.monotonic(), system.held_s()
    system.end_time_at(until)
    system.resume()
    with (
        Live(render_frame(observatory), console=console, refresh_per_second=2) as live,
        _Drawing(live, Observatory(system.tango_host), console.is_terminal) as drawing,
    ):
        while clock.now() < until:
            if system.virtual:
                next_at = min(clock.now() + timedelta(seconds=LOOK_S), until)
                if due:
                    next_at = min(next_at, due[0].at)
                clock.sleep((next_at - clock.now()).total_seconds())
            else:
                time.sleep(1.0)
            submit_due()
            now, view = clock.now(), observatory.safety()
            samples.append(SafetySample(now, view.gates, view.interlocks))
            notes += [(now, text) for text in operator.look(now, view)]
            drawing.show(view, [text for _, text in notes])
    end, wall = clock.now(), time.monotonic() - wall_start
    recorder.stop()
    console.line()  # the live view may end mid-line
    held = {k: v - held_before.get(k, 0.0) for k, v in system.held_s().items()}
    console.print(_pace(system, (end - start).total_seconds(), wall, held))
    safety = recorder.verdicts(end)
    rows = [observatory.observation(oid) for oid in submitted]
    console.print(_summary(rows, end))
    for _, text in notes:
        console.print(f"  {text}")
    console.print(safety_table(safety))
    correctness = judge_store(system.store_url, end, _mounts(observatory), list(submitted))
    console.print(correctness_table(correctness))
    efficiency = efficiencies(
        rows, task_runs(rows, end), samples, observatory.science_conditions(), end
    )
    console.print(_efficiency_table(efficiency))
    sites = {name: SiteInfo(*site) for name, site in observatory.sites().items()}
    page = write_night_report(report, rows, samples, sites, start, end, notes, safety, efficiency)
    console.print(f"Night report: {page}")
    if system.supervisor is not None:
        for restart in system.supervisor.restarts:
            done = "restarted" if restart.started else f"restart failed: {restart.error}"
            console.print(
                f"[yellow]Server {restart.server} died (exit code {restart.exit_code}); "
                f"{done} (restart {restart.attempt}, after {restart.backoff_s:g} s)"
            )
    answered = _every_device_answers(system, console)
    if not all_ok(safety):
        console.print("[red]The safety oracle is not zero: a telescope was not kept safe.")
    if not correctness.ok:
        console.print("[red]The correctness oracle is not zero: the night broke its rules.")
    return answered and all_ok(safety) and correctness.ok


class _Drawing:
    """Draws the live view in a thread of its own, so drawing holds the night no time.

    The job's thread is a participant of the clock and holds time while it looks; what the
    view shows is only for watching. The latest look is drawn, at most every
    ``_DRAW_EVERY_S`` real seconds (a terminal shows no more) and only on a terminal
    (elsewhere the view is seen once, at the end); leaving draws the last.
    """

    def __init__(self, live: Live, observatory: Observatory, terminal: bool) -> None:
        self._live, self._observatory, self._terminal = live, observatory, terminal
        self._cond = threading.Condition()
        self._latest: tuple[SafetyView, list[str]] | None = None
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="live-view", daemon=True)

    def __enter__(self) -> _Drawing:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._thread.join(_DRAW_JOIN_S)

    def show(self, view: SafetyView, notes: list[str]) -> None:
        """Draw this look (when the thread gets to it)."""
        with self._cond:
            self._latest = (view, notes)
            self._cond.notify()

    def _run(self) -> None:
        with tango.EnsureOmniThread():
            while True:
                with self._cond:
                    self._cond.wait_for(
                        lambda: self._closing or (self._terminal and self._latest is not None)
                    )
                    look, self._latest = self._latest, None
                    closing = self._closing
                if look is not None:
                    self._live.update(render_frame(self._observatory, *look))
                if closing:
                    return
                with self._cond:  # a pause between drawings, cut short by the end
                    self._cond.wait_for(lambda: self._closing, _DRAW_EVERY_S)


def _pace(system: System, simulated_s: float, wall_s: float, held: dict[str, float]) -> str:
    """How fast the night went; on virtual time, who asked for its instants and who held it.

    Held: the real seconds time stood still while a process was busy (the wall time the
    night waited for it).
    """
    line = (
        f"{simulated_s / 3600:.1f} simulated h in {wall_s:.1f} wall s "
        f"({simulated_s / max(wall_s, 1e-9):,.0f}x real time)"
    )
    instants, asked = system.instants()
    if instants:
        top = sorted(asked.items(), key=lambda kv: -kv[1])[:4]
        line += f"; {instants:,} instants, asked for by " + ", ".join(
            f"{name} {n:,}" for name, n in top
        )
    waited = sorted(((s, name) for name, s in held.items() if s >= 0.05), reverse=True)[:5]
    if waited:
        line += "; time held by " + ", ".join(f"{name} {s:.1f} s" for s, name in waited)
    return line


def _mounts(observatory: Observatory) -> dict[str, Mount]:
    """Each telescope's site (its own properties) and horizon limit (the Scheduler's config).

    A telescope the Scheduler's ``Telescopes`` names but whose own site is not set keeps the
    Scheduler's site; one neither names is left out (a task run there is then a violation:
    its sky cannot be checked).
    """
    try:
        values = observatory.scheduler.get_property("Telescopes")["Telescopes"]
        configured = telescopes_from_json("\n".join(values))
    except (tango.DevFailed, ValueError):
        configured = ()
    sites = {name: Site(*site) for name, site in observatory.sites().items()}
    mounts = {
        t.id: Mount(
            sites.get(t.id, Site(t.site.name, t.site.lat_deg, t.site.lon_deg, t.site.elevation_m)),
            t.min_altitude_deg,
        )
        for t in configured
    }
    return {name: Mount(site) for name, site in sites.items()} | mounts


def _every_device_answers(system: System, console: Console) -> bool:
    """After the night: no device server died on the way."""
    silent = []
    for name in system.devices:
        try:
            system.proxy(name).ping()
        except tango.DevFailed:
            silent.append(name)
    if silent:
        console.print(f"[red]Not answering after the night: {', '.join(silent)}")
    return not silent


def _efficiency_table(efficiency: list[Efficiency]) -> Table:
    table = Table(title="Science efficiency (executing science / observable time)")
    for column in EFFICIENCY_HEADERS:
        table.add_column(column)
    for e in efficiency:
        table.add_row(*efficiency_row(e))
    return table


def _summary(rows: list[dict[str, Any]], now: datetime) -> Table:
    table = Table(title=f"The night at {now:%Y-%m-%d %H:%M} UTC (simulated)")
    for column in ("observation", "name", "status", "tasks done", "assets"):
        table.add_column(column)
    for row in rows:
        done = sum(t["status"] == "completed" for t in row["tasks"])
        table.add_row(
            row["id"],
            row["name"],
            row["status"] + _series_note(row),
            f"{done}/{len(row['tasks'])}",
            str(len(row["assets"])),
        )
    return table


def _series_note(row: dict[str, Any]) -> str:
    """A series' runs so far, e.g. ``" (run 1 completed, 4/4 tasks; run 2 from 12-16 18:00)"``.

    A series resets its tasks after each run, so the tasks column shows the run under way.
    """
    runs = row.get("series_history") or []
    if not row.get("is_monitoring") or not runs:
        return ""
    last = runs[-1]
    note = f"run {last['run']} {last['outcome']}"
    if last.get("tasks"):
        note += f", {last.get('tasks_completed', 0)}/{last['tasks']} tasks"
    following = row.get("cadence_next_eligible")
    if following and row["status"] not in TERMINAL_OBSERVATION_STATUSES:
        at = datetime.fromisoformat(following)
        note += f"; run {last['run'] + 1} from {at:%m-%d %H:%M}"
    return f" ({note})"
