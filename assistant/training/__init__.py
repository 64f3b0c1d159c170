"""Training code for the project's own small models (`python -m assistant train ...`)."""
