"""The flow files, one YAML file per guideline block (package data)."""
