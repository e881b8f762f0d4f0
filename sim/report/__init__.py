"""Turn results into what users read: terminal tables and JSON documents."""
