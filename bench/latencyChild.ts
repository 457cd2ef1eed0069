/**
 * Child-process entry for the latency benchmark: measures one model with measureLatency and
 * reports the result with this process's peak RSS (VmHWM), so the memory figure is that of a
 * process doing nothing but completion (Node + engine + model), like the completion worker.
 */
import { measureLatency, type ModelShape } from './latency';
import { peakRssMB } from './trainRun';

process.once('message', (m: { model: string | ModelShape }) => {
  measureLatency(m.model)
    .then((r) => process.send!({ ok: true, result: r, peakRssMB: peakRssMB() }, () => process.exit(0)))
    .catch((e: unknown) => process.send!({ ok: false, error: (e as Error).message }, () => process.exit(1)));
});
