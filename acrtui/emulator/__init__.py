"""The embedded Azure: an ARM-compatible HTTPS server on loopback that the real Azure SDK talks to unchanged.

It stands in for Azure with Azure's rules, so it imports nothing from the product (see tests/test_boundaries.py).
"""

from .knobs import EmulatorConfig
from .server import Emulator, EmulatorThread, Login, RequestRecord, running

__all__ = ["Emulator", "EmulatorConfig", "EmulatorThread", "Login", "RequestRecord", "running"]
