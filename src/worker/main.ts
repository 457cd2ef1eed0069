// Completion worker entry: filled in by the completion work.
export {};
