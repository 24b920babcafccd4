"""``soteplan serve`` (web app + REST API) and ``soteplan report`` (council report)."""

from __future__ import annotations

from pathlib import Path

import typer

from soteplan.cli._common import console, err_console
from soteplan.errors import ParameterError


def register(app: typer.Typer) -> None:
    """Attach ``serve`` and ``report`` to the root app."""

    @app.command()
    def serve(
        host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
        port: int = typer.Option(8000, help="TCP port."),
        region: str = typer.Option("keski-suomi", help="Embedded region id or region directory."),
        get: str | None = typer.Option(
            None, "--get", help="Print the response to one GET path (e.g. /api/v1/health) and exit."
        ),
    ) -> None:
        """Start the web app and REST API (default http://127.0.0.1:8000, Keski-Suomi).

        On a loopback address a write token is generated at start and printed in the URL to
        open (the page keeps it in a cookie); on any other address the writing routes need the
        configured SOTEPLAN_API_TOKEN (or SOTEPLAN_API_TOKEN_FILE).
        """
        from soteplan.api import create_app
        from soteplan.api._security import configured_token, is_loopback, new_local_token

        web_app = create_app(region)
        if get is not None:
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                from fastapi.testclient import TestClient

            resp = TestClient(web_app).get(get)
            console.print(resp.text, highlight=False, soft_wrap=True)
            raise typer.Exit(0 if resp.status_code < 400 else 1)
        import uvicorn

        base = f"http://{'[' + host + ']' if ':' in host else host}:{port}/"
        if is_loopback(host):
            web_app.state.local_token = new_local_token()
            err_console.print(
                f"soteplan: open {base}?token={web_app.state.local_token}\n"
                "  (the token lets this browser save and run scenarios; it is new at every start)\n"
                f"  API docs: {base}api/docs; Ctrl-C stops",
                highlight=False,
                soft_wrap=True,
            )
        else:
            how = (
                f"open {base}?token=<SOTEPLAN_API_TOKEN> once to save and run scenarios"
                if configured_token()
                else "saving and running scenarios is disabled: set SOTEPLAN_API_TOKEN"
            )
            err_console.print(
                f"soteplan: {base}  ({how}; API docs: {base}api/docs; Ctrl-C stops)",
                highlight=False,
                soft_wrap=True,
            )
        uvicorn.run(web_app, host=host, port=port, log_level="info")

    @app.command()
    def report(
        scenario: str = typer.Argument(
            "baseline",
            help="'baseline' (the current network), a scenario YAML file (run now) "
            "or the id/name of a stored run.",
        ),
        out: Path = typer.Option(Path("report.pdf"), "--out", "-o", help="Output .pdf or .html."),  # noqa: B008
        region: str = typer.Option("keski-suomi", help="Embedded region id or region directory."),
        lang: str = typer.Option("fi", help="Language: fi or en."),
        service: str = typer.Option("health_station", help="Service type whose access is mapped."),
        close: list[str] = typer.Option([], "--close", help="Service point id to close (repeat)."),  # noqa: B008
        store: str | None = typer.Option(None, help="Scenario store URL or path (stored runs)."),
    ) -> None:
        """Write the council report (summary, maps, charts, tables, sources) as PDF or HTML."""
        from soteplan.report import build_report

        if lang not in ("fi", "en"):
            raise ParameterError(f"--lang must be fi or en, got {lang!r}")
        if out.suffix.lower() not in (".pdf", ".html", ".htm"):
            raise ParameterError(f"--out must end in .pdf or .html, got {out.name!r}")
        run = None
        if scenario != "baseline":
            run = _scenario_run(scenario, store)
            region = getattr(getattr(run, "scenario", None), "region", None) or region
        from soteplan.cli._common import progress_bar

        with progress_bar("building the report (population, demography, access)") as advance:
            rep = build_report(
                region, lang=lang, service=service, close=close, scenario=run, progress=advance
            )
        with progress_bar(f"writing {out.name}"):
            path = rep.write(out)
        console.print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")


def _scenario_run(scenario: str, store: str | None) -> object:
    """Run a scenario YAML file, or load a stored run by id or name."""
    if Path(scenario).suffix.lower() in (".yaml", ".yml") or Path(scenario).is_file():
        from soteplan.cli._common import progress_bar
        from soteplan.region import load_region
        from soteplan.scenario import load_scenario, run

        sc, text = load_scenario(scenario)
        with progress_bar(f"running scenario {sc.name}") as advance:
            return run(sc, spec_yaml=text, region=load_region(sc.region), progress=advance)
    from soteplan.store import Store

    return Store(store).load(scenario)
