"""The application: command line, configuration, and (in sub-packages) the channels."""
