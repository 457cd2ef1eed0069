/**
 * What `charrnn train` shows on a terminal: a progress bar with loss, chars/s and ETA (on a TTY),
 * or one plain line per validation otherwise. Messages go to stderr, the bar too, so stdout stays
 * clean for pipes.
 */
import * as cliProgress from 'cli-progress';
import type { TrainConfig } from '../core/contracts/config';
import type { DoneEvent, TrainingEvent } from '../core/contracts/trainEvents';
import { formatDuration } from '../core/util/format';

export interface ProgressView {
  onEvent(e: TrainingEvent): void;
  finish(done: DoneEvent): void;
  stop(): void;
}

export function createProgressView(config: TrainConfig, out: NodeJS.WriteStream = process.stderr): ProgressView {
  const tty = Boolean(out.isTTY);
  let bar: cliProgress.SingleBar | undefined;
  // The bar's last value and payload: a message is printed above the bar by stopping it and
  // starting it again where it was (starting it at 0 without a payload drew "0% … loss {loss}").
  let lastValue = 0;
  let lastPayload: Record<string, string | number> = {};
  const say = (line: string) => {
    if (bar) bar.stop();
    out.write(line + '\n');
    if (bar) bar.start(bar.getTotal(), lastValue, lastPayload);
  };
  let total = 0;
  let lastVal: number | undefined;
  return {
    onEvent(e) {
      switch (e.type) {
        case 'ready':
          say(`backend: ${e.backend} (${e.threads} thread${e.threads === 1 ? '' : 's'}), model ${config.lstmSize}x${config.numLayers}`);
          break;
        case 'log':
          say(e.message);
          break;
        case 'corpus':
          say(`corpus: ${e.files} files, ${e.chars} characters (${e.trainChars} train, ${e.valChars} validation), vocabulary ${e.vocabSize}, ${e.parameters} parameters`);
          break;
        case 'progress': {
          if (e.valLoss !== undefined) lastVal = e.valLoss;
          const payload = {
            loss: e.loss.toFixed(3),
            val: lastVal !== undefined ? lastVal.toFixed(3) : '-',
            cps: Math.round(e.charsPerSec),
            etaText: formatDuration(e.etaSec),
          };
          if (tty) {
            if (!bar) {
              total = e.totalSteps > 0 ? e.totalSteps : Math.round(config.maxMinutes * 60);
              bar = new cliProgress.SingleBar(
                {
                  format: `train |{bar}| {percentage}% | {value}/{total} ${e.totalSteps > 0 ? 'steps' : 's'} | loss {loss} | val {val} bits/char | {cps} chars/s | ETA {etaText}`,
                  stream: out,
                  hideCursor: true,
                },
                cliProgress.Presets.shades_classic,
              );
              bar.start(total, 0, payload);
            }
            lastValue = e.totalSteps > 0 ? e.step : Math.round(e.elapsedSec);
            lastPayload = payload;
            bar.update(lastValue, payload);
          } else if (e.valLoss !== undefined) {
            out.write(`step ${e.step}${e.totalSteps ? `/${e.totalSteps}` : ''}  loss ${payload.loss}  val ${payload.val} bits/char  ${payload.cps} chars/s  ETA ${payload.etaText}\n`);
          }
          break;
        }
        case 'sample':
          if (!tty) break;
          say(`--- sample at step ${e.step} ---\n${e.text}\n---`);
          break;
        case 'checkpoint':
          if (!tty) out.write(`saved ${e.path}${e.valLoss !== undefined ? ` (validation ${e.valLoss.toFixed(3)} bits/char)` : ' (not validated yet)'}\n`);
          break;
        case 'error':
          say(`error: ${e.message}`);
          break;
        case 'done':
          break;
      }
    },
    finish(done) {
      bar?.stop();
      bar = undefined;
      const best = done.bestValLoss !== undefined ? `, best validation ${done.bestValLoss.toFixed(3)} bits/char` : '';
      out.write(`training ${done.reason}${best}${done.checkpointPath ? `; model saved in ${done.checkpointPath}` : ''}\n`);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
