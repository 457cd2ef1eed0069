/** Entry of dist/cli.js (`charrnn`). */
import { main } from './program';

void main(process.argv).then((code) => {
  process.exitCode = code;
});
