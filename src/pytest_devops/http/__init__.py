"""HTTP verification: probes of the environment's URLs, as fixtures and built-in gates."""
