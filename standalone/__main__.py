"""`python -m standalone` runs the poller and the bot in one process (``make run``)."""

from app.service_main import run_service
from standalone.service import REQUIRED, run_standalone

if __name__ == "__main__":
    run_service("standalone", run_standalone, *REQUIRED)
