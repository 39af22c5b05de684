"""Emulated resource providers. Importing this package registers every provider's routes."""

from . import (  # noqa: F401  # noqa: F401  # noqa: F401
    acr_subresources,
    authorization,
    containerregistry,
    keyvault,
    monitor,
    msi,
    network,
    policy,
    policyinsights,
    privatedns,
    privatelink,
    resourcegraph,
    resources,
    security,
)
