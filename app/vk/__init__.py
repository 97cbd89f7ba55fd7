"""Everything that knows VK's wire format: the API client, keyboards, update parsing."""
