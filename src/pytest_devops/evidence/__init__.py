"""Evidence bundles: one archive of what a gate run judged and decided, replayable offline."""
