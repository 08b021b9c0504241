"""`flask log …`: sequence and sign a checkpoint, run the monitor, show the public key.

    flask --app wsgi log checkpoint [--force]   sequence waiting entries, sign if the log grew
    flask --app wsgi log check                  recompute the tree; exit 1 (and an alarm) if wrong
    flask --app wsgi log key                    the published vkeys, current first
    flask --app wsgi log generate-key [--name]  a new skey for the operator (stdout)
    flask --app wsgi log note [--size N]        a stored checkpoint's signed note (for the verifier)
    flask --app wsgi log proof --leaf-hash HEX | --batch ID | --consistency SIZE [--to SIZE]

Output is in the process locale's language (English when LC_ALL, LC_MESSAGES or LANG starts with
"en", Vietnamese otherwise); proofs are JSON on stdout.
"""

from __future__ import annotations

import base64
import json

import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import force_locale
from flask_babel import gettext as _

from core.extensions import db
from traceability.events.cli import _locale
from traceability.ledger import checkpoints, keys, merkle, monitor, note, proofs, tree

log_cli = AppGroup("log", help="The origin log: checkpoints, the monitor, keys and proofs.")


def _echo_json(body: dict) -> None:
    click.echo(json.dumps(body, ensure_ascii=False, indent=2))


@log_cli.command("checkpoint")
@click.option("--force", is_flag=True, help="Sign even the empty log.")
def checkpoint_command(force: bool) -> None:
    """Sequence waiting entries and sign a checkpoint if the log grew."""
    with force_locale(_locale()):
        made = checkpoints.publish(force=force)
        db.session.commit()
        if made is None:
            latest = checkpoints.latest()
            click.echo(
                _(
                    "No new checkpoint: the log has %(size)s leaves and its latest checkpoint "
                    "covers %(signed)s.",
                    size=tree.tree_size(),
                    signed=latest.size if latest is not None else 0,
                )
            )
            return
        root = base64.b64encode(bytes.fromhex(made.root_hash)).decode()
        click.echo(
            _("Checkpoint signed: %(size)s leaves, root %(root)s.", size=made.size, root=root)
        )


@log_cli.command("check")
def check_command() -> None:
    """Recompute the tree from the stored leaves and compare it with every checkpoint."""
    with force_locale(_locale()):
        check = monitor.run_check()
        if check.ok:
            click.echo(
                _(
                    "The origin log checks out: %(size)s leaves, %(count)s checkpoints, "
                    "%(seconds)s s.",
                    size=check.size,
                    count=check.checkpoints,
                    seconds=check.seconds,
                )
            )
            return
        click.secho(
            _(
                "ALARM: the origin log does not match its leaves or checkpoints "
                "(%(count)s problems). It may have been altered: do not sign new checkpoints "
                "until this is explained.",
                count=len(check.problems),
            ),
            fg="red",
            bold=True,
            err=True,
        )
        for problem in check.problems:
            where = problem.get("leaf_index", problem.get("checkpoint", problem.get("node", "")))
            click.echo(f"  {problem['kind']} {where}: {problem['detail']}", err=True)
        raise SystemExit(1)


@log_cli.command("key")
def key_command() -> None:
    """Print the published public keys (vkeys), the current one first."""
    for vkey in keys.published_keys():
        click.echo(vkey)


@log_cli.command("generate-key")
@click.option("--name", help="The key's name (default: the log's origin, LEDGER_ORIGIN).")
def generate_key_command(name: str | None) -> None:
    """Print a new signing key (skey) for LEDGER_SIGNING_KEY, and its vkey on stderr."""
    with force_locale(_locale()):
        skey, vkey = note.generate_key(name or keys.origin())
        click.echo(
            _(
                "WARNING: this is a private signing key. Keep it secret (a secrets store or a "
                "file readable only by the application), never commit it. Its public key is:"
            ),
            err=True,
        )
        click.echo(vkey, err=True)
        click.echo(skey)


@log_cli.command("note")
@click.option("--size", type=int, help="The checkpoint of this size (default: the latest).")
def note_command(size: int | None) -> None:
    """Print a stored checkpoint's signed note, exactly as published."""
    with force_locale(_locale()):
        found = checkpoints.latest() if size is None else checkpoints.at_size(size)
        if found is None:
            raise click.ClickException(_("There is no such checkpoint."))
        click.echo(found.note, nl=False)


@log_cli.command("proof")
@click.option("--leaf-hash", help="An entry's leaf hash (hex): its inclusion proof.")
@click.option("--batch", "batch_id", type=int, help="A batch's id: the bundle of its entries.")
@click.option("--consistency", "size1", type=int, help="From this tree size …")
@click.option("--to", "size2", type=int, help="… to this one (default: the latest checkpoint).")
def proof_command(
    leaf_hash: str | None, batch_id: int | None, size1: int | None, size2: int | None
) -> None:
    """Write a proof as JSON (the standalone verifier's input) to stdout."""
    with force_locale(_locale()):
        if sum(x is not None for x in (leaf_hash, batch_id, size1)) != 1:
            raise click.UsageError(_("Give one of --leaf-hash, --batch or --consistency."))
        latest = checkpoints.latest()
        if latest is None:
            raise click.ClickException(
                _("The log has no checkpoint yet: run `flask log checkpoint` first.")
            )
        try:
            if leaf_hash is not None:
                entry = tree.entry_by_leaf_hash(leaf_hash)
                if entry is None:
                    raise click.ClickException(_("No entry has this leaf hash."))
                _echo_json(proofs.inclusion_body(entry, latest))
            elif batch_id is not None:
                entries = proofs.batch_entries(batch_id)
                if not entries:
                    raise click.ClickException(_("No batch %(id)s in the log.", id=batch_id))
                _echo_json(proofs.bundle(entries, latest, proofs.batch_subject(batch_id)))
            else:
                _echo_json(proofs.consistency_body(size1, size2 or latest.size))
        except merkle.ProofError as exc:
            raise click.ClickException(str(exc)) from None


def init_app(app: Flask) -> None:
    app.cli.add_command(log_cli)
