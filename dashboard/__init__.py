"""The Dash investigation dashboard. Nothing imports this package; the
command line starts it with :func:`dashboard.app.create_app`."""
