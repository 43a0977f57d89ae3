"""The ``astrotango`` command line: run the system and talk to it through Tango."""

from __future__ import annotations

import getpass
import json
import os
import signal
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from astrotango.clock import VIRTUAL
from astrotango.launcher import STATE_FILE, LaunchError, System, pid_alive, stop_group

if TYPE_CHECKING:
    from astrotango.client.scenario import Scenario

__all__ = ["app"]

app = typer.Typer(add_completion=False, help="astrotango: a robotic observatory on Tango Controls")
_console = Console()

ConfigDir = Annotated[
    Path,
    typer.Option("--config", help="Folder of dsconfig JSON files", exists=True, file_okay=False),
]
RunDir = Annotated[Path | None, typer.Option("--run-dir", help="State, logs and database files")]
Port = Annotated[int, typer.Option("--port", help="Tango database port; 0 picks a free one")]


def default_run_dir() -> Path:
    """``$ASTROTANGO_RUN_DIR``, or a per-user folder under the system's temporary directory."""
    configured = os.environ.get("ASTROTANGO_RUN_DIR")
    return (
        Path(configured)
        if configured
        else Path(tempfile.gettempdir()) / f"astrotango-{getpass.getuser()}"
    )


def night_of(scenario: Path | None, examples: Path | None, hours: float | None) -> Scenario:
    """The night ``run`` plays.

    A scenario file, else a folder of documents submitted at once, else the packaged sample
    night; cut to ``hours`` when given.

    Raises:
        typer.BadParameter: naming the option, for a night that cannot be played (a folder
            with no document would otherwise pass for a quiet night).
    """
    from astrotango.client.scenario import ScenarioError, folder_scenario, load_scenario
    from astrotango.samples import night_scenario

    if scenario and examples:
        raise typer.BadParameter("give --scenario or --examples, not both", param_hint="--examples")
    if hours is not None and not 0 < hours <= 48:
        raise typer.BadParameter(f"{hours:g} is not in (0, 48]", param_hint="--hours")
    try:
        night = load_scenario(scenario or night_scenario())
    except ScenarioError as exc:
        raise typer.BadParameter(str(exc), param_hint="--scenario") from exc
    if examples:
        try:
            night = folder_scenario(examples, night.start, night.end)
        except ScenarioError as exc:
            raise typer.BadParameter(str(exc), param_hint="--examples") from exc
    if hours is not None:
        night = night.until(night.start + timedelta(hours=hours))
    return night


def _start(config: Path, run_dir: Path | None, port: int, **options: Any) -> System:
    run_dir = run_dir or default_run_dir()
    state = run_dir / STATE_FILE
    if state.exists() and pid_alive(json.loads(state.read_text())["launcher_pid"]):
        _console.print(f"[red]A system is already running from {run_dir}; `astrotango down` first")
        raise typer.Exit(1)
    system = System(config, run_dir, port=port, supervise=True, **options)
    with _console.status(f"Starting {len(system.servers)} device servers..."):
        try:
            system.start()
        except LaunchError as exc:
            _console.print(f"[red]Start-up failed: {exc}")
            raise typer.Exit(1) from exc
    _console.print(f"TANGO_HOST={system.tango_host}")
    for device in system.devices:
        _console.print(f"  {device}")
    return system


def _wait_for_stop_signal() -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()


@app.command()
def up(
    config: ConfigDir = Path("tango-db"),
    run_dir: RunDir = None,
    port: Port = 0,
    start: Annotated[
        str, typer.Option(help="Simulate from this UTC time (ISO 8601) instead of real time")
    ] = "",
    speed: Annotated[
        str, typer.Option(help="With --start: 'virtual' or a real-time factor (1-3600)")
    ] = "virtual",
    scenario: Annotated[
        Path | None,
        typer.Option(
            help="Play a timeline (astrotango-scenario/1): the night starts at its start and "
            "each document is submitted at its simulated instant"
        ),
    ] = None,
    database: Annotated[
        str,
        typer.Option(
            help="host:port of the site's running Tango database (MariaDB DataBaseds): load "
            "the configuration into it and serve from it instead of starting the embedded one"
        ),
    ] = "",
) -> None:
    """Start the Tango database and every device server; stop them all on Ctrl-C or `down`."""
    from astrotango.clock import Wake, spawn

    system_args: dict[str, Any] = {"database": database} if database else {}

    if scenario is not None and start:
        raise typer.BadParameter("give --start or --scenario (it starts the night), not both")
    night = night_of(scenario, None, None) if scenario is not None else None
    if night is not None:
        system = _start(
            config, run_dir, port, sim_start=night.start, time_scale=_speed(speed), **system_args
        )
    elif start:
        try:
            parsed = datetime.fromisoformat(start)
        except ValueError as exc:
            _console.print(f"[red]--start: {start!r} is not an ISO 8601 time")
            raise typer.Exit(2) from exc
        when = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
        system = _start(
            config, run_dir, port, sim_start=when, time_scale=_speed(speed), **system_args
        )
    else:
        system = _start(config, run_dir, port, **system_args)
    stop = Wake()
    if night is not None:  # a participant before time runs: the first submission is on time
        from astrotango.client.night import play_scenario

        os.environ["TANGO_HOST"] = system.tango_host  # as in `run`: before any subscription
        spawn(system.clock(), lambda: play_scenario(system, night, _console, stop), name="play")
    system.resume()
    _console.print(f"Running. Clients: export TANGO_HOST={system.tango_host}. Ctrl-C stops.")
    try:
        _wait_for_stop_signal()
    finally:
        stop.set()
        with _console.status("Stopping..."):
            system.stop()
        _console.print("Stopped; no process left behind.")


@app.command()
def session(
    driver: Annotated[str, typer.Option(help="indi or alpaca")] = "indi",
    config: ConfigDir = Path("tango-db"),
    run_dir: RunDir = None,
    timeout_s: Annotated[float, typer.Option(help="Real seconds the observation may take")] = 600.0,
) -> None:
    """A short real-time session on the INDI or Alpaca simulators: one observation, end to end."""
    from astrotango.client.hardware_session import run_session

    if driver not in ("indi", "alpaca"):
        raise typer.BadParameter(f"--driver: expected indi or alpaca, got {driver!r}")
    result = run_session(
        driver,
        run_dir or default_run_dir(),
        config=config,
        timeout_s=timeout_s,
        say=_console.print,
    )
    for name, telescope in result.telescopes.items():
        _console.print(f"{name}: {telescope}")
    _console.print(f"{len(result.files)} FITS files, e.g. {result.files[:1]}")
    _console.print(
        f"{result.observation_id}: {result.status}; " + ("OK" if result.ok else "NOT OK")
    )
    raise typer.Exit(0 if result.ok else 1)


@app.command()
def down(run_dir: RunDir = None, timeout_s: float = 30.0) -> None:
    """Stop the system that `astrotango up` started."""
    run_dir = run_dir or default_run_dir()
    state_file = run_dir / STATE_FILE
    if not state_file.exists():
        _console.print(f"No system is running from {run_dir}.")
        return
    state = json.loads(state_file.read_text())
    launcher = int(state["launcher_pid"])
    if pid_alive(launcher):
        os.kill(launcher, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while pid_alive(launcher) and time.monotonic() < deadline:
            time.sleep(0.1)
    for pid in state["pids"]:  # the launcher died without cleaning up: do it here
        if pid_alive(pid):
            stop_group(pid)
    state_file.unlink(missing_ok=True)
    _console.print("Stopped.")


@app.command()
def run(
    config: ConfigDir = Path("tango-db"),
    run_dir: RunDir = None,
    port: Port = 0,
    hours: Annotated[
        float | None,
        typer.Option(help="Simulated hours the night runs (0-48) [default: to the scenario's end]"),
    ] = None,
    speed: Annotated[
        str,
        typer.Option(
            help="'virtual' (as fast as the CPU allows, reproducible) or simulated seconds "
            "per real second (1-3600), to watch it live"
        ),
    ] = "virtual",
    scenario: Annotated[
        Path | None,
        typer.Option(
            help="The night's timeline (astrotango-scenario/1) [default: the packaged sample night]"
        ),
    ] = None,
    examples: Annotated[
        Path | None,
        typer.Option(help="Instead: a folder of observations, all submitted at the night's start"),
    ] = None,
) -> None:
    """The main job on the embedded default: a whole simulated night, then a summary."""
    from astrotango.client.main_job import exercise_system
    from astrotango.client.night import run_night

    night = night_of(scenario, examples, hours)
    scale = _speed(speed)
    run_dir = run_dir or default_run_dir()
    system = _start(config, run_dir, port, sim_start=night.start, time_scale=scale)
    # From here this process is a client of its own system, and names every device in full.
    # cppTango's event consumer still asks the process's default database (TANGO_HOST, else a
    # Tango host file) once, at the first subscription, whatever name the proxy carries: so
    # that default is made this system's database before any subscription.
    os.environ["TANGO_HOST"] = system.tango_host
    try:
        ok = exercise_system(system, _console) and run_night(
            system, _console, night, report=run_dir / "report"
        )
    finally:
        with _console.status("Stopping..."):
            system.stop()
        _console.print("Stopped; no process left behind.")
    raise typer.Exit(0 if ok else 1)


def _speed(text: str) -> float:
    """``--speed``: VIRTUAL for 'virtual', else a real-time factor in [1, 3600]."""
    if text == "virtual":
        return VIRTUAL
    try:
        scale = float(text)
    except ValueError:
        scale = -1.0
    if not 1.0 <= scale <= 3600.0:
        _console.print(f"[red]--speed: {text!r} is neither 'virtual' nor a number in [1, 3600]")
        raise typer.Exit(2)
    return scale


@app.command()
def schema() -> None:
    """Print the JSON Schema of the observation document (the submission contract)."""
    from astrotango.domain import observation_json_schema

    typer.echo(json.dumps(observation_json_schema(), indent=2))


@app.command()
def schedule(
    workload: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
) -> None:
    """Plan a `peerbench-workload/1` file without any device; print the blocks as JSON.

    `wall_s` is the planning time from the loaded workload to the finished plan, sky model
    included; interpreter start-up, imports and astropy's one-time warm-up are excluded.
    """
    from astrotango.scheduling import plan_workload, warm_up

    try:
        document = json.loads(workload.read_text())
    except ValueError as exc:
        typer.echo(f"{workload}: not valid JSON ({exc})", err=True)
        raise typer.Exit(2) from exc
    warm_up()
    try:
        result = plan_workload(document)
    except (KeyError, TypeError, ValueError) as exc:
        typer.echo(f"{workload}: not a peerbench-workload/1 document ({exc!r})", err=True)
        raise typer.Exit(2) from exc
    typer.echo(json.dumps(result))


# -- clients of a running observatory (through Tango; TANGO_HOST must be set) -----------------


def _observatory() -> Any:
    from astrotango.client.observatory import Observatory

    if not os.environ.get("TANGO_HOST"):
        typer.echo("TANGO_HOST is not set: export the value `astrotango up` printed", err=True)
        raise typer.Exit(2)
    return Observatory()


def _tango_call(call: Any, *args: Any) -> Any:
    import tango

    try:
        return call(*args)
    except tango.DevFailed as exc:
        error = exc.args[0]
        typer.echo(f"{error.reason}: {error.desc}", err=True)
        raise typer.Exit(1) from exc


@app.command()
def submit(document: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Submit an observation document; print its id."""
    typer.echo(_tango_call(_observatory().submit, document.read_text()))


@app.command()
def status(observation_id: Annotated[str | None, typer.Argument()] = None) -> None:
    """One observation's status and progress, or counts per status and the active list."""
    obs = _observatory()
    if observation_id:
        view = _tango_call(obs.observation, observation_id)
        typer.echo(f"{view['id']}  {view['name']}  {view['status']}  {view['progress']:.0%}")
        for step in view["history"]:
            typer.echo(
                f"  {step['at']}  {step['from_status']} -> {step['to_status']}  "
                f"({step['actor']}: {step['reason']})"
            )
        return
    counts = _tango_call(obs.counts)
    typer.echo("  ".join(f"{k}={v}" for k, v in counts.items()))
    for row in _tango_call(lambda: obs.observations(limit=50)):
        typer.echo(f"{row['id']}  {row['status']:<20} {row['progress']:>4.0%}  {row['name']}")


@app.command()
def tasks(observation_id: str) -> None:
    """The tasks of one observation: status, telescope, planned start, progress."""
    view = _tango_call(_observatory().observation, observation_id)
    for task in view["tasks"]:
        typer.echo(
            f"{task['id']}  {task['type']:<16} {task['status']:<10} "
            f"{task['telescope'] or '-':<20} {task['planned_start'] or '-':<26} "
            f"{task['progress']:.0%}"
        )


@app.command()
def explain(observation_id: str) -> None:
    """Why each task of an observation is (not) scheduled, and when it next could be."""
    for answer in _tango_call(_observatory().explain, observation_id):
        typer.echo(f"{answer['task']}: {answer['message']}")


@app.command()
def abort(observation_id: str) -> None:
    """Abort an observation wherever it is."""
    _tango_call(_observatory().abort, observation_id)
    typer.echo(f"{observation_id}: aborted")


@app.command()
def watch(
    once: Annotated[bool, typer.Option(help="Print one frame and exit")] = False,
    period_s: float = 1.0,
) -> None:
    """A live view: telescopes with their tasks and progress, lifecycle counts."""
    from rich.live import Live

    from astrotango.client.live_view import render_frame

    obs = _observatory()
    if once:
        _console.print(render_frame(obs))
        return
    with Live(render_frame(obs), console=_console, refresh_per_second=4) as live:
        while True:
            time.sleep(period_s)
            live.update(render_frame(obs))
