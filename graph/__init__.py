"""The graph: its schema (declared once), the store interface and its two backends, exports."""
