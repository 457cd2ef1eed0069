/** Entry of dist/cli.js (`charrnn`). */
import { main } from './program';

void main(process.argv).then((code) => {
  // A command may already have set a non-zero exit code (complete, bench).
  if (code !== 0 || process.exitCode === undefined) process.exitCode = code;
});
