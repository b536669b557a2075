"""The command line: click commands. Library errors become messages and exit codes here."""
