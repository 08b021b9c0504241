"""`flask jobs …`: the background worker for stamp rendering."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from traceability.stamps import jobs

jobs_cli = AppGroup("jobs", help="Background jobs (stamp PDF rendering).")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    """Serve the RQ queue (when REDIS_URL is set), after re-queueing unfinished orders."""
    if current_app.config["JOB_QUEUE"] != "rq":
        raise click.ClickException(
            "The RQ worker needs REDIS_URL (or JOB_QUEUE=rq). Without Redis, web processes "
            "render stamps themselves; use `flask jobs run-pending` to render now."
        )
    jobs.run_worker(burst=burst)


@jobs_cli.command("run-pending")
def run_pending() -> None:
    """Render every pending or abandoned stamp order now, in this process."""
    done = [order_id for order_id in jobs.pending_orders() if jobs.render_order(order_id)]
    click.echo(f"Rendered {len(done)} stamp order(s).")


@jobs_cli.command("follow-base-url")
def follow_base_url() -> None:
    """Render stamp sheets again if BASE_URL changed since they were rendered (`make run`)."""
    again = jobs.follow_base_url()
    if again:
        click.echo(f"BASE_URL changed: {again} stamp sheet(s) will be rendered again.")


def init_app(app: Flask) -> None:
    app.cli.add_command(jobs_cli)
