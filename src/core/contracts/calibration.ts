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
   * mixture's probability alone (checkpoints from before the judged confidence, and mixtures
   * without an LSTM).
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
  /** The threshold of the ghost past the token (issue 23), when calibrated. */
  continuation?: ContinuationCalibration;
}

/**
 * The threshold on the probability that a whole ghost (token + continuation) is right, calibrated
 * on the same held-out positions at the token threshold: a shown ghost is right when it is a
 * prefix of the real rest of the line.
 */
export interface ContinuationCalibration {
  /** Undefined: the positions could not show that any threshold keeps the target: no continuation. */
  minConfidence?: number;
  target: number;
  /** At that threshold, on the positions: share with a continuation shown, whole ghost right among those, lower bound. */
  precision: number;
  shown: number;
  lowerBound?: number;
  positions: number;
  /** Characters of right ghosts per position (a right token taken when its continuation is wrong), with and without continuations. */
  savedPerPosition: number;
  tokenSavedPerPosition: number;
}

export const JUDGED_CONFIDENCE = 'mixture-and-counts' as const;
