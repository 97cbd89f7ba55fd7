"""`python -m poller` runs the VK long-poll poller."""

from app.service_main import run_service
from poller.service import REQUIRED, run_poller

if __name__ == "__main__":
    run_service("poller", run_poller, *REQUIRED)
