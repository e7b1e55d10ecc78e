"""ETL for the family network explorer: agency extracts in, a read-only graph out."""
