"""Files made from results, without Qt: CSV tables, and the atomic write every export goes through."""
