"""The Helm chart renders, passes `helm lint` and Kubernetes schema validation, and has the
expected structure; its Job and init-container commands run against a real Tango database.

Needs helm v3 (``tools/get-helm.sh`` installs it into .venv/bin) and kubernetes-validate.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from astrotango.launcher import load_servers, validate_dsconfig

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "astrotango"
TANGO_DB = ROOT / "tango-db"
RELEASE = "obs"
FULLNAME = "obs-astrotango"
K8S_VERSION = "1.31.0"
SERVER_PORTS = {"tango-server": 45450, "zmq-heartbeat": 45460, "zmq-event": 45470}
JOB_SCRIPT = "json2tango -w -a -u /config/{server}.json; rc=$?; [ $rc -eq 0 ] || [ $rc -eq 2 ]"
PG_URL = "postgresql+psycopg://astrotango:secret@postgres.example.org:5432/astrotango"
OVERRIDE = {
    "image": {"repository": "registry.example.org/astrotango", "tag": "9.9.9"},
    "deviceServers": {
        "AstroReference": {
            "instances": ["1", "2"],
            "extraConfig": {
                "2": {"LrcReference": {"astro/reference/2": {"properties": {}}}},
            },
        },
    },
    "store": {"url": PG_URL},
}


def find_helm() -> str | None:
    on_path = shutil.which("helm")
    if on_path:
        return on_path
    for candidate in (ROOT / ".venv" / "bin" / "helm", Path(sys.executable).parent / "helm"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


HELM = find_helm()
pytestmark = pytest.mark.skipif(
    HELM is None,
    reason="helm not found on PATH or in .venv/bin: run tools/get-helm.sh to install it",
)


def helm(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    assert HELM is not None
    result = subprocess.run([HELM, *args], capture_output=True, text=True, timeout=120)
    if check:
        assert result.returncode == 0, f"helm {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result


def values_args(tmp_path: Path, values: dict[str, Any] | None) -> list[str]:
    if values is None:
        return []
    path = tmp_path / "values-override.yaml"
    path.write_text(yaml.safe_dump(values))
    return ["-f", str(path)]


def render_text(tmp_path: Path, values: dict[str, Any] | None = None) -> str:
    return helm("template", RELEASE, str(CHART), *values_args(tmp_path, values)).stdout


def render(tmp_path: Path, values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(render_text(tmp_path, values)) if d]


def of_kind(
    docs: list[dict[str, Any]], kind: str, component: str | None = None
) -> list[dict[str, Any]]:
    return [
        d
        for d in docs
        if d["kind"] == kind
        and (
            component is None or d["metadata"]["labels"]["app.kubernetes.io/component"] == component
        )
    ]


def named(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def container(pod_owner: dict[str, Any], name: str, init: bool = False) -> dict[str, Any]:
    spec = pod_owner["spec"]["template"]["spec"]
    found = [c for c in spec["initContainers" if init else "containers"] if c["name"] == name]
    assert len(found) == 1, name
    found_container: dict[str, Any] = found[0]
    return found_container


def env_of(c: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in c.get("env", [])}


def tango_db_document() -> dict[str, Any]:
    """tango-db/*.json merged: {"servers": ..., "classes": ...}."""
    merged: dict[str, Any] = {"servers": {}, "classes": {}}
    for path in sorted(TANGO_DB.glob("*.json")):
        doc = json.loads(path.read_text())
        for server, instances in doc.get("servers", {}).items():
            merged["servers"].setdefault(server, {}).update(instances)
        merged["classes"].update(doc.get("classes", {}))
    return merged


# --- lint and schema validation ----------------------------------------------------------


@pytest.mark.parametrize("values", [None, OVERRIDE], ids=["default", "override"])
def test_helm_lint_passes(tmp_path: Path, values: dict[str, Any] | None) -> None:
    result = helm("lint", "--strict", str(CHART), *values_args(tmp_path, values))
    assert "0 chart(s) failed" in result.stdout


@pytest.mark.skipif(
    importlib.util.find_spec("kubernetes_validate") is None,
    reason="kubernetes-validate is not installed (pip install kubernetes-validate)",
)
@pytest.mark.parametrize("values", [None, OVERRIDE], ids=["default", "override"])
def test_rendered_manifests_pass_strict_kubernetes_schema_validation(
    tmp_path: Path, values: dict[str, Any] | None
) -> None:
    rendered = tmp_path / "rendered.yaml"
    rendered.write_text(render_text(tmp_path, values))
    result = subprocess.run(
        [sys.executable, "-m", "kubernetes_validate", "--strict", "-k", K8S_VERSION, str(rendered)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    kinds = {d["kind"] for d in yaml.safe_load_all(rendered.read_text()) if d}
    assert {"StatefulSet", "Service", "ConfigMap", "Job", "Secret"} <= kinds
    assert result.stdout.count("passed for resource") == len(
        [d for d in yaml.safe_load_all(rendered.read_text()) if d]
    )


# --- structure -------------------------------------------------------------------------


def test_one_statefulset_and_headless_service_per_server_instance_of_tango_db(
    tmp_path: Path,
) -> None:
    docs = render(tmp_path)
    expected = {(s.name, s.instance) for s in load_servers(TANGO_DB)}
    statefulsets = of_kind(docs, "StatefulSet", "device-server")
    got = {
        (
            s["metadata"]["labels"]["astrotango/server"],
            s["metadata"]["labels"]["astrotango/instance"],
        )
        for s in statefulsets
    }
    assert got == expected
    assert len(statefulsets) == len(expected)
    for sts in statefulsets:
        assert sts["spec"]["replicas"] == 1
        service = named(docs, "Service", sts["spec"]["serviceName"])
        assert service["spec"]["clusterIP"] == "None"
        assert (
            service["spec"]["selector"].items()
            <= sts["spec"]["template"]["metadata"]["labels"].items()
        )


def test_override_runs_two_instances(tmp_path: Path) -> None:
    docs = render(tmp_path, OVERRIDE)
    statefulsets = [
        s
        for s in of_kind(docs, "StatefulSet", "device-server")
        if s["metadata"]["labels"]["astrotango/server"] == "AstroReference"
    ]
    assert sorted(s["metadata"]["name"] for s in statefulsets) == [
        f"{FULLNAME}-astroreference-1",
        f"{FULLNAME}-astroreference-2",
    ]
    for sts in statefulsets:
        assert container(sts, "device-server")["image"] == "registry.example.org/astrotango:9.9.9"
    config = json.loads(
        named(docs, "ConfigMap", f"{FULLNAME}-astroreference-dsconfig")["data"][
            "AstroReference.json"
        ]
    )
    instances = config["servers"]["AstroReference"]
    assert instances["1"] == tango_db_document()["servers"]["AstroReference"]["1"]
    assert instances["2"] == {"LrcReference": {"astro/reference/2": {"properties": {}}}}


def test_configmaps_hold_exactly_the_tango_db_configuration(tmp_path: Path) -> None:
    docs = render(tmp_path)
    merged: dict[str, Any] = {"servers": {}, "classes": {}}
    for cm in of_kind(docs, "ConfigMap", "dsconfig"):
        server = cm["metadata"]["labels"]["astrotango/server"]
        assert list(cm["data"]) == [f"{server}.json"]
        doc = json.loads(cm["data"][f"{server}.json"])
        validate_dsconfig(doc, cm["metadata"]["name"])
        assert list(doc["servers"]) == [server]
        merged["servers"].update(doc["servers"])
        merged["classes"].update(doc.get("classes", {}))
    assert merged == tango_db_document()


def test_config_job_runs_json2tango_accepting_exit_2_after_waiting_for_the_database(
    tmp_path: Path,
) -> None:
    docs = render(tmp_path)
    jobs = of_kind(docs, "Job", "config-job")
    assert {j["metadata"]["labels"]["astrotango/server"] for j in jobs} == {
        s.name for s in load_servers(TANGO_DB)
    }
    for job in jobs:
        server = job["metadata"]["labels"]["astrotango/server"]
        assert "helm.sh/hook" not in job["metadata"].get("annotations", {})
        pod = job["spec"]["template"]["spec"]
        assert pod["restartPolicy"] == "Never"
        main = container(job, "json2tango")
        assert main["command"] == ["/bin/sh", "-c", JOB_SCRIPT.format(server=server)]
        assert main["volumeMounts"] == [
            {"name": "dsconfig", "mountPath": "/config", "readOnly": True}
        ]
        cm_name = {v["name"]: v for v in pod["volumes"]}["dsconfig"]["configMap"]["name"]
        assert f"{server}.json" in named(docs, "ConfigMap", cm_name)["data"]
        assert env_of(main)["TANGO_HOST"] == f"{FULLNAME}-databaseds:10000"
        wait = container(job, "wait-for-databaseds", init=True)
        assert wait["command"][:2] == ["python", "-c"]
        assert "tango.Database()" in wait["command"][2]


def test_config_job_name_changes_with_the_configuration(tmp_path: Path) -> None:
    default = of_kind(render(tmp_path), "Job", "config-job")
    override = of_kind(render(tmp_path, OVERRIDE), "Job", "config-job")
    assert default[0]["metadata"]["name"] != override[0]["metadata"]["name"]
    assert default[0]["metadata"]["name"] == of_kind(render(tmp_path), "Job")[0]["metadata"]["name"]


def test_device_server_command_env_and_ports(tmp_path: Path) -> None:
    docs = render(tmp_path)
    for sts in of_kind(docs, "StatefulSet", "device-server"):
        server = sts["metadata"]["labels"]["astrotango/server"]
        instance = sts["metadata"]["labels"]["astrotango/instance"]
        name = sts["metadata"]["name"]
        main = container(sts, "device-server")
        assert main["command"] == [
            "python", "-m", "astrotango.devices.servers", server, instance,
            "-ORBendPoint", "giop:tcp::45450",
            "-ORBendPointPublish", "giop:tcp:$(TANGO_SERVER_PUBLISH_HOSTNAME):45450",
        ]  # fmt: skip
        assert {p["name"]: p["containerPort"] for p in main["ports"]} == SERVER_PORTS
        service = named(docs, "Service", sts["spec"]["serviceName"])
        assert {p["name"]: p["port"] for p in service["spec"]["ports"]} == SERVER_PORTS
        env = env_of(main)
        assert env["TANGO_HOST"] == f"{FULLNAME}-databaseds:10000"
        assert env["TANGO_SERVER_PUBLISH_HOSTNAME"] == (
            f"$(POD_NAME).{name}.$(POD_NAMESPACE).svc.cluster.local"
        )
        assert env["POD_NAME"] == {"fieldRef": {"fieldPath": "metadata.name"}}
        assert env["TANGO_ZMQ_HEARTBEAT_PORT"] == "45460"
        assert env["TANGO_ZMQ_EVENT_PORT"] == "45470"
        assert "ASTROTANGO_STORE_URL" not in env
        # Kubernetes expands $(VAR) only for variables defined earlier in the list.
        names = [e["name"] for e in main["env"]]
        assert names.index("POD_NAME") < names.index("TANGO_SERVER_PUBLISH_HOSTNAME")
        wait = container(sts, "wait-for-registration", init=True)
        assert wait["command"][-1] == f"{server}/{instance}"
        annotations = sts["spec"]["template"]["metadata"]["annotations"]
        assert len(annotations["checksum/dsconfig"]) == 64


def test_tango_database_is_databaseds_on_mariadb_with_a_volume(tmp_path: Path) -> None:
    docs = render(tmp_path)
    dbds = named(docs, "StatefulSet", f"{FULLNAME}-databaseds")
    main = container(dbds, "databaseds")
    assert main["command"] == ["/usr/lib/tango/DataBaseds", "2", "-ORBendPoint", "giop:tcp::10000"]
    env = env_of(main)
    assert env["MYSQL_HOST"] == f"{FULLNAME}-mariadb"
    assert env["MYSQL_DATABASE"] == "tango"
    service = named(docs, "Service", f"{FULLNAME}-databaseds")
    assert [p["port"] for p in service["spec"]["ports"]] == [10000]
    mariadb = named(docs, "StatefulSet", f"{FULLNAME}-mariadb")
    claims = mariadb["spec"]["volumeClaimTemplates"]
    assert [c["metadata"]["name"] for c in claims] == ["data"]
    mounts = {m["name"]: m["mountPath"] for m in container(mariadb, "mariadb")["volumeMounts"]}
    assert mounts["data"] == "/var/lib/mysql"
    assert mounts["initdb"] == "/docker-entrypoint-initdb.d"
    assert [p["port"] for p in named(docs, "Service", f"{FULLNAME}-mariadb")["spec"]["ports"]] == [
        3306
    ]
    assert named(docs, "Secret", f"{FULLNAME}-mariadb")["data"].keys() == {
        "mariadb-root-password",
        "mariadb-password",
    }


def test_store_url_reaches_the_device_servers_through_a_secret(tmp_path: Path) -> None:
    docs = render(tmp_path, OVERRIDE)
    secret = named(docs, "Secret", f"{FULLNAME}-store")
    assert secret["stringData"] == {"url": PG_URL}
    for sts in of_kind(docs, "StatefulSet", "device-server"):
        assert env_of(container(sts, "device-server"))["ASTROTANGO_STORE_URL"] == {
            "secretKeyRef": {"name": f"{FULLNAME}-store", "key": "url"}
        }


def test_external_tango_database(tmp_path: Path) -> None:
    values = {
        "databaseds": {"enabled": False},
        "mariadb": {"enabled": False},
        "tangoHost": "tango-db.example.org:10000",
    }
    docs = render(tmp_path, values)
    assert not [d for d in docs if d["metadata"]["name"].endswith(("-databaseds", "-mariadb"))]
    for sts in of_kind(docs, "StatefulSet", "device-server"):
        assert env_of(container(sts, "device-server"))["TANGO_HOST"] == "tango-db.example.org:10000"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"deviceServers": {"AstroReference": {"instances": ["1", "7"]}}}, 'instance "7"'),
        (
            {"databaseds": {"enabled": False}, "mariadb": {"enabled": False}},
            "tangoHost must be set",
        ),
    ],
    ids=["undeclared-instance", "no-tango-host"],
)
def test_inconsistent_values_fail_to_render(
    tmp_path: Path, values: dict[str, Any], message: str
) -> None:
    result = helm("template", RELEASE, str(CHART), *values_args(tmp_path, values), check=False)
    assert result.returncode != 0
    assert message in result.stderr


# --- the rendered commands against a real (embedded) Tango database ---------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def tango_database(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    host = f"127.0.0.1:{port}"
    env = {**os.environ, "TANGO_HOST": host, "PYTANGO_DATABASE_NAME": str(tmp_path / "tango.db")}
    log = (tmp_path / "databaseds.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "tango.databaseds.database", "2", "--port", str(port),
         "--host", "127.0.0.1"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        yield host
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def run_container(
    c: dict[str, Any], env: dict[str, str], **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    command = [
        part.replace("/config/", env["CONFIG_DIR"] + "/").replace(
            "$(TANGO_SERVER_PUBLISH_HOSTNAME)", "127.0.0.1"
        )
        for part in c["command"]
    ]
    if command[0] == "python":
        command[0] = sys.executable
    bin_dir = str(Path(sys.executable).parent)
    full_env = {**os.environ, **env, "PATH": bin_dir + os.pathsep + os.environ["PATH"]}
    return subprocess.run(command, env=full_env, capture_output=True, text=True, **kwargs)


@pytest.mark.slow
def test_rendered_job_and_init_commands_work_against_a_tango_database(
    tmp_path: Path, tango_database: str
) -> None:
    ports = {"server": free_port(), "heartbeat": free_port(), "event": free_port()}
    docs = render(tmp_path, {"deviceServerDefaults": {"ports": ports}})
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    for cm in of_kind(docs, "ConfigMap", "dsconfig"):
        for key, text in cm["data"].items():
            (config_dir / key).write_text(text)
    env = {"TANGO_HOST": tango_database, "CONFIG_DIR": str(config_dir)}
    sts = of_kind(docs, "StatefulSet", "device-server")[0]
    server_key = container(sts, "wait-for-registration", init=True)["command"][-1]

    for job in of_kind(docs, "Job", "config-job"):
        waited = run_container(container(job, "wait-for-databaseds", init=True), env, timeout=60)
        assert waited.returncode == 0, waited.stdout + waited.stderr
    with pytest.raises(subprocess.TimeoutExpired):  # not registered yet: keeps waiting
        run_container(container(sts, "wait-for-registration", init=True), env, timeout=5)
    for job in of_kind(docs, "Job", "config-job"):
        first = run_container(container(job, "json2tango"), env, timeout=120)
        assert first.returncode == 0, first.stdout + first.stderr
        assert "Data was written to the Tango DB" in first.stderr + first.stdout  # json2tango rc 2
        again = run_container(container(job, "json2tango"), env, timeout=120)
        assert again.returncode == 0, again.stdout + again.stderr
    registered = run_container(container(sts, "wait-for-registration", init=True), env, timeout=30)
    assert registered.returncode == 0, registered.stdout + registered.stderr

    main = container(sts, "device-server")
    server_env = {**env, **{k: v for k, v in env_of(main).items() if k.startswith("TANGO_ZMQ")}}
    probe = f"""
import sys, time, tango
from tango import DeviceProxy
admin = DeviceProxy("dserver/{server_key}")
for _ in range(300):
    try:
        admin.ping(); break
    except tango.DevFailed:
        time.sleep(0.1)
device = DeviceProxy(admin.command_inout("QueryDevice")[0].split("::", 1)[1])
# The event socket is bound at the first subscription.
event_id = device.subscribe_event("State", tango.EventType.CHANGE_EVENT, lambda event: None)
info = admin.command_inout("ZmqEventSubscriptionChange", ["info"])
device.unsubscribe_event(event_id)
print(" ".join(info[1]))
"""
    command = [
        part.replace("$(TANGO_SERVER_PUBLISH_HOSTNAME)", "127.0.0.1") for part in main["command"]
    ]
    command[0] = sys.executable
    server = subprocess.Popen(
        command,
        env={**os.environ, **server_env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        seen = subprocess.run(
            [sys.executable, "-c", probe],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=90,
        )
        assert seen.returncode == 0, seen.stdout + seen.stderr
        assert f":{ports['heartbeat']}" in seen.stdout
        assert f":{ports['event']}" in seen.stdout
        with socket.create_connection(("127.0.0.1", ports["server"]), timeout=5):
            pass
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)
