"""Scenarios submitted over the API: checked against the server, run as durable jobs."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from soteplan.api._jobs import Runner
from soteplan.api._serialise import jsonable
from soteplan.api._services import Services
from soteplan.errors import DataError, DataProblem
from soteplan.scenario import Scenario, check_against_region
from soteplan.scenario import run as run_scenario
from soteplan.store import Store

__all__ = ["api_scenario", "scenario_runner"]

Progress = Callable[[int, int], None]

#: Namespace of the run ids derived from job ids (a resumed job stores its run once).
_RUN_IDS = uuid.UUID("5d1c6b8e-0a5e-4c57-9a43-5f0e0c2b7a16")

#: The scenario fields that name files, and where they are in the spec.
_FILE_FIELDS = (
    ("demand", "rates_csv"),
    ("demand", "services_csv"),
    ("demand", "price_index_csv"),
    ("access", "osm_pbf"),
)


def api_scenario(sc: Scenario, services: Services, data_dir: Path | None) -> Scenario:
    """A scenario submitted over the API, checked against this server.

    Its region must be the one this server serves; new points must fit the
    region (:func:`~soteplan.scenario.check_against_region`); files it names
    must lie inside ``data_dir`` (the server's data directory) and are
    resolved there.  Without a data directory no file is accepted.  Messages
    never name server paths.

    Raises
    ------
    DataError
        Naming every problem.
    """
    problems = []
    region = services.region
    if sc.region != region.id:
        problems.append(
            DataProblem("scenario", None, "region", f"this server serves region {region.id!r} only")
        )
    resolved: dict[str, dict[str, str]] = {}
    root = data_dir.resolve() if data_dir is not None else None
    for block, name in _FILE_FIELDS:
        part = getattr(sc, block)
        value = getattr(part, name, None) if part is not None else None
        if value is None:
            continue
        where = f"{block}.{name}"
        if root is None:
            problems.append(
                DataProblem(
                    "scenario",
                    None,
                    where,
                    "files are not accepted over the API: this server has no data directory "
                    "(set SOTEPLAN_DATA_DIR on the server)",
                )
            )
            continue
        path = (root / value).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            problems.append(
                DataProblem(
                    "scenario", None, where, "not a file inside the server's data directory"
                )
            )
            continue
        resolved.setdefault(block, {})[name] = str(path)
    runs = list(sc.pathways.run) if sc.pathways is not None else []
    for i, pw in enumerate(runs):
        if pw.file is None:
            continue
        where = f"pathways.run[{i}].file"
        path = (root / pw.file).resolve() if root is not None else None
        if root is None or path is None or not path.is_relative_to(root) or not path.is_file():
            problems.append(
                DataProblem(
                    "scenario",
                    None,
                    where,
                    "not a file inside the server's data directory"
                    if root is not None
                    else "files are not accepted over the API: this server has no data directory "
                    "(set SOTEPLAN_DATA_DIR on the server)",
                )
            )
            continue
        runs[i] = pw.model_copy(update={"file": str(path)})
    if problems:
        raise DataError(problems)
    check_against_region(sc, region)
    update: dict[str, Any] = {
        b: getattr(sc, b).model_copy(update=fields) for b, fields in resolved.items()
    }
    if sc.pathways is not None:
        update["pathways"] = sc.pathways.model_copy(update={"run": runs})
    return sc.model_copy(update=update) if update else sc


def scenario_runner(services: Services, store_of: Callable[[], Store]) -> Runner:
    """The runner of durable ``scenario`` jobs: run the scenario, store the run.

    The run's id is derived from the job's, so a job resumed after a crash that
    came between storing the run and recording the job's end stores it once.
    """

    def run_job(job_id: str, payload: dict[str, Any], progress: Progress) -> dict[str, Any]:
        store = store_of()
        run_id = str(uuid.uuid5(_RUN_IDS, job_id))
        if store.has_run(run_id):
            rec = store.load(run_id)
            return {"id": run_id, "summary": jsonable(rec.summary), "meta": jsonable(rec.meta)}
        sc = Scenario.model_validate(payload["scenario"])
        res = run_scenario(sc, region=services.region, progress=progress)
        store.save(dataclasses.replace(res.to_record(), id=run_id))
        return {"id": run_id, "summary": jsonable(res.summary), "meta": jsonable(res.meta)}

    return run_job
