"""`python -m app` runs the bot service."""

from app.bot.service import REQUIRED, run_bot
from app.service_main import run_service

if __name__ == "__main__":
    run_service("bot", run_bot, *REQUIRED)
