"""All SQL lives here, one module per aggregate; handlers call these functions."""
