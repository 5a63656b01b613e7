"""Files for people: one-page printable reports and numeric result files."""
