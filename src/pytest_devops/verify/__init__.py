"""Post-deploy verification: cloud resources, HTTP endpoints, hosts."""
