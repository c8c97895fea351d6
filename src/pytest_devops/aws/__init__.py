"""AWS: the session's emulator and boto3 session, resource checks, built-in gates."""
