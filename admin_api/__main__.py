"""`python -m admin_api` runs the admin REST API."""

from admin_api.service import REQUIRED, run_admin_api
from app.service_main import run_service

if __name__ == "__main__":
    run_service("admin_api", run_admin_api, *REQUIRED)
