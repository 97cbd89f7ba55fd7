"""The admin API's SQL: questions, chats, games, admins and sessions, statistics."""
