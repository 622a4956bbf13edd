"""The command line: qa ingest | ask | eval | serve | feedback export, and terminal rendering.
The last room: may import every other room of app and qa.evaluation."""
