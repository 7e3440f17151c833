"""The command centre: what the other features say about a day, in one view."""
