"""The origin log: an append-only Merkle tree (RFC 9162) of trace events, products' public data
and stamp orders, with C2SP checkpoints signed by Ed25519, public proofs, a standalone verifier
and a monitor. `merkle`, `note`, `checkpoint` and `verify` need neither Flask nor a database."""


def init_app(app) -> None:
    from traceability.ledger import cli, hooks, jobs, models, views  # noqa: F401

    hooks.init_listeners()
    jobs.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(views.staff_bp)
    cli.init_app(app)
