"""The service layer: the only package that imports ``azure.*``. Above it: domain models and typed errors."""
