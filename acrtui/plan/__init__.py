"""Plan files: schema, loader with precise errors, diff, executor, journal, renderers."""
