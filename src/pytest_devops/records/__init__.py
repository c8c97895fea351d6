"""Plan metadata and verification records: what the actions write before apply and
check before promoting."""
