"""Flask extensions, created unbound here and bound in create_app."""

from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_smorest.pagination import PaginationMetadataSchema
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from core.db import Base


def schema_name(schema) -> str:
    """Name schemas by class, marking partial (PATCH) variants, so every name is unique."""
    cls = resolve_schema_cls(schema)
    name = cls.__name__
    if getattr(schema, "partial", False):
        name += "Patch"
    return name


class JsonApi(Api):
    """flask-smorest's Api, leaving error answers to core.errors (one shape for all)."""

    def _register_error_handlers(self):
        pass

    def _register_pagination_header(self):
        # X-Pagination carries JSON text ({"total": 12, "page": 1, …}), not a header "object"
        # (which OpenAPI serialises as total,12,page,1): describe it as JSON content.
        self.spec.components.header(
            "PAGINATION",
            {
                "description": "Pagination metadata, as JSON",
                "content": {"application/json": {"schema": PaginationMetadataSchema}},
            },
            lazy=True,
        )


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
api = JsonApi(
    spec_kwargs={"marshmallow_plugin": MarshmallowPlugin(schema_name_resolver=schema_name)}
)
