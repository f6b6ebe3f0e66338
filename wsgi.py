"""The WSGI entry point of a checkout: `gunicorn wsgi:app` (an installed wheel has no wsgi.py:
`gunicorn "planner:create_app()"`). Local state goes to `instance/` in the folder gunicorn
starts in, unless PLANNER_INSTANCE says otherwise."""

from planner import create_app

app = create_app()
