from nigah.cli import app

app()
