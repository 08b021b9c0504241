"""Exchange with other systems: the national traceability portal's ten data items (Circular
02/2024/TT-BKHCN), imports of its listing results, and adapters (`adapters/`) behind one
interface."""

from flask import Flask


def init_app(app: Flask) -> None:
    from traceability.exchange import cli, views
    from traceability.exchange.adapters import cli as adapter_cli

    app.register_blueprint(views.bp)
    app.register_blueprint(views.staff_bp)
    cli.init_app(app)
    adapter_cli.init_app(app)
