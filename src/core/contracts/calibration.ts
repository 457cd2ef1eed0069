/**
 * The show/abstain threshold as a checkpoint records it (meta.json `calibration` and
 * `countCalibration`): chosen by complete/calibrate.ts, applied by the completer. A plain type, so
 * that the checkpoint format, the completer and the calibration share it without importing each
 * other.
 */

/** The threshold that makes shown completions right `target` of the time on held-out identifier positions. */
export interface Calibration {
  /** Show a completion when its confidence is at least this. */
  minConfidence: number;
  /** Precision and share shown at that threshold on the calibration positions. */
  precision: number;
  shown: number;
  positions: number;
  target: number;
  /** The threshold for other precision targets ("0.8", "0.85", "0.95"), from the same positions. */
  byTarget?: Record<string, number>;
  /**
   * What the thresholds apply to: JUDGED_CONFIDENCE when the confidence was the geometric mean
   * of the mixture's and the count models' probabilities (the Completer's `judge`); absent: the
   * mixture's probability alone (checkpoints before 2026-12-02, and mixtures without an LSTM).
   */
  confidence?: typeof JUDGED_CONFIDENCE;
  /**
   * How the threshold was chosen: 'lower-bound', the lowest threshold at which the lower
   * confidence bound on precision (precisionLowerBound) reaches the target; 'fallback', the
   * conservative threshold, when the positions were too few to show that any threshold keeps the
   * target. Absent: the raw ratio (checkpoints before issue 19).
   */
  rule?: 'lower-bound' | 'fallback';
  /** The lower confidence bound on precision at the chosen threshold. */
  lowerBound?: number;
  /** Files the positions were drawn from (stratified, at most a capped share each). */
  files?: number;
  /**
   * Positions read from training files by count models rebuilt without them (a small workspace's
   * validation files give too few; CalibrateOptions.more).
   */
  rotated?: number;
  /** The threshold the positions chose was raised to this (CalibrateOptions.minThreshold). */
  floor?: number;
  /**
   * What a user can expect: precision and share shown on held-out positions, each fold of files
   * at the threshold chosen (by the same rule) on the other folds.
   */
  check?: { precision: number; shown: number; positions: number; folds: number };
  /** Keys of the positions (positionKey) and of the texts (textKey) calibrated on, which `charrnn eval` leaves out. */
  used?: { positions: number[]; texts: number[] };
}

export const JUDGED_CONFIDENCE = 'mixture-and-counts' as const;
