"""Emulated resource providers. Importing this package registers every provider's routes."""

from . import authorization, containerregistry, keyvault, msi, resources  # noqa: F401
from . import policy, policyinsights  # noqa: F401
from . import monitor, network, privatedns, privatelink, resourcegraph  # noqa: F401
