// CLI entry.
export {};
