"""The Textual console: app, screens, widgets. Only this package imports textual."""
