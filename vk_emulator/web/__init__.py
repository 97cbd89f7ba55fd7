"""Static files of the emulator's web chat (index.html, app.js, style.css); no Python here."""
