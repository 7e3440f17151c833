"""The web app: a thin shell over the services, like the CLI (FastAPI routes under /api/v1,
server-rendered pages, public pages)."""
