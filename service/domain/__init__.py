"""Domain rules: plain Python, no web framework, no ORM session, no Qt."""
