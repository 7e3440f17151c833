"""Small repository functions: the only code that builds SQL. Keyword-only arguments."""
