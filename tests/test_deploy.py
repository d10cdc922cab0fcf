"""The deployment files under deploy/ are valid for the tools that read them, and run the
commands the README says: checked offline, against the Kubernetes schemas kubernetes-validate
bundles and the Compose specification's schema that check-jsonschema bundles."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
KUBERNETES_VERSION = "1.30.0"  # the oldest version still supported as this was written
MANIFESTS = sorted((DEPLOY / "kubernetes").glob("*.yaml"))


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def container(manifest: dict[str, Any]) -> dict[str, Any]:
    """The one container of a Deployment's, a Job's or a CronJob's pods."""
    spec = manifest["spec"]
    template = (spec["jobTemplate"]["spec"] if "jobTemplate" in spec else spec)["template"]
    (found,) = template["spec"]["containers"]
    return dict(found)


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda path: path.name)
def test_each_kubernetes_manifest_is_valid_by_the_strict_schema(path: Path) -> None:
    kubernetes_validate.validate(load(path), KUBERNETES_VERSION, strict=True)


def test_the_deployment_runs_the_worker_with_health_as_its_liveness_probe() -> None:
    worker = container(load(DEPLOY / "kubernetes/deployment.yaml"))

    assert worker["args"] == ["run"]
    assert worker["livenessProbe"]["exec"]["command"] == ["confluence-kpi", "health"]


def test_the_cronjob_runs_one_sync_per_tick_never_two_at_once() -> None:
    cronjob = load(DEPLOY / "kubernetes/cronjob.yaml")

    assert container(cronjob)["args"] == ["sync"]
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"


def test_the_indexed_job_gives_each_pod_its_shard_of_as_many_as_it_runs() -> None:
    job = load(DEPLOY / "kubernetes/indexed-job.yaml")
    shards = job["spec"]["completions"]

    assert job["spec"]["completionMode"] == "Indexed"
    assert job["spec"]["parallelism"] == shards
    assert container(job)["args"] == ["sync", "--shard", f"auto/{shards}"]


def test_credentials_come_from_the_secret_never_from_a_manifest() -> None:
    for path in MANIFESTS:
        manifest = load(path)
        if manifest["kind"] == "Secret":
            continue
        worker = container(manifest)
        assert "env" not in worker, path.name
        assert worker["envFrom"] == [{"secretRef": {"name": "confluence-kpi"}}], path.name


def test_the_compose_file_is_valid_by_the_compose_specification() -> None:
    schema_file = files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))

    jsonschema.validate(load(DEPLOY / "docker-compose.yaml"), schema)


def test_the_compose_service_runs_the_worker_with_its_healthcheck_and_an_env_file() -> None:
    service = load(DEPLOY / "docker-compose.yaml")["services"]["confluence-kpi"]

    assert service["command"] == ["run"]
    assert service["healthcheck"]["test"] == ["CMD", "confluence-kpi", "health"]
    assert service["env_file"] == ["confluence-kpi.env"]
    assert (DEPLOY / "confluence-kpi.env.example").exists()
