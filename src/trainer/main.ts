// Trainer child process entry: filled in by the training work.
export {};
