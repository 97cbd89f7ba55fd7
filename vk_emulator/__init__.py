"""A local stand-in for the VK API (v5.199) and Bots Long Poll, with a control API for tests."""
