"""`retail framework check|publish FILE` and `retail score --framework FILE --answers FILE`."""

import click

framework_cli = click.Group("framework", help="Assessment frameworks (versioned questionnaires).")


@click.command("score")
def score_command():
    """Score an answers file against a framework file (prints one JSON object)."""
    raise click.ClickException("not built yet")
