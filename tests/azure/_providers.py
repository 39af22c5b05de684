"""Until every provider module is listed in acrtui/emulator/providers/__init__.py, import them here (registers routes)."""

import importlib

for _m in ("monitor", "network", "policy", "policyinsights", "privatedns", "privatelink", "resourcegraph"):
    try:
        importlib.import_module("acrtui.emulator.providers." + _m)
    except ImportError:
        pass
