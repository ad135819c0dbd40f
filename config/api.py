"""The REST API under /api/v1, with its OpenAPI document at /api/v1/openapi.json and docs at /api/v1/docs."""

from ninja import NinjaAPI

from salesalign.core.api import AUTH, install_error_handlers
from salesalign.core.api import router as core_router
from salesalign.organization.api import router as organization_router
from salesalign.performance.api import router as performance_router
from salesalign.sales.api import router as sales_router
from salesalign.strategy.api import router as strategy_router
from salesalign.targets.api import router as targets_router

api = NinjaAPI(
    title="SalesAlign API",
    version="1.0.0",
    description=(
        "Read and write SalesAlign's organisation and strategy. Authenticate with the browser "
        "session (send the CSRF token on writes) or with a personal API token: "
        "`Authorization: Bearer sa_…`. Errors are JSON: `detail` and `errors` "
        "(a list of `field` and `reason`)."
    ),
    auth=AUTH,
    urls_namespace="api",
)
install_error_handlers(api)
api.add_router("/", core_router)
api.add_router("/organization", organization_router)
api.add_router("/strategy", strategy_router)
api.add_router("/sales", sales_router)
api.add_router("/targets", targets_router)
api.add_router("/performance", performance_router)
