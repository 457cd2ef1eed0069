import type { ProgressEvent } from '../../src/core/contracts/trainEvents';

/** A training run's progress event at `step` (the panel's and the loss chart's tests). */
export const progress = (step: number, loss: number, valLoss?: number): ProgressEvent => ({
  type: 'progress',
  step,
  epoch: 1,
  totalSteps: 1000,
  loss,
  valLoss,
  charsPerSec: 1000,
  etaSec: 10,
  elapsedSec: 1,
  charsSeen: step * 100,
});
