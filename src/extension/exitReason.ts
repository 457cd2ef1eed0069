/** Why the trainer process ended, in words for the user (pure: unit-tested without VS Code). */
export function exitReason(code: number | null, signal: NodeJS.Signals | null, stderr: string): string {
  if (/heap out of memory|Allocation failed|ENOMEM|Cannot allocate memory/i.test(stderr) || code === 134) {
    return 'the trainer ran out of memory; try a smaller lstm_size, num_layers or batch_size';
  }
  if (signal === 'SIGKILL') return 'the trainer was killed (SIGKILL), perhaps by the system for lack of memory';
  if (signal) return `the trainer was terminated by ${signal}`;
  const last = stderr.trim().split('\n').slice(-1)[0];
  return `the trainer exited unexpectedly with code ${code}${last ? `: ${last}` : ''}`;
}
