/** The words of "Explain last completion" (src/extension/decision.ts). */
import * as assert from 'assert';
import { codeForModelReason, explain, pct, reasonText, type Decision, type DecisionCode } from '../../src/extension/decision';

const base: Decision = { at: Date.UTC(2026, 0, 1, 12, 0), code: 'shown', docKey: 'file:///a.ts', languageId: 'typescript', line: 4, character: 9 };

describe('decision explanations', () => {
  it('maps the worker\'s reasons to decisions', () => {
    assert.strictEqual(codeForModelReason('no token reaches the minimum confidence'), 'below-threshold');
    assert.strictEqual(codeForModelReason('cancelled'), 'cancelled');
    assert.strictEqual(codeForModelReason('superseded'), 'cancelled');
    assert.strictEqual(codeForModelReason('no model loaded'), 'no-model');
    assert.strictEqual(codeForModelReason('the token looks complete'), 'model-abstained');
  });

  it('names the reason, the place and the candidates with their probabilities', () => {
    const d: Decision = { ...base, code: 'below-threshold', threshold: 0.3, ms: 12.4, candidates: [{ completion: 'antity', confidence: 0.12 }, { completion: 'ality', confidence: 0.05 }] };
    const text = explain(d);
    assert.match(text, /^Below the threshold: the best candidate "antity" has probability 12%, under the threshold 30% \(the model's, calibrated for 90% precision, unless charrnn\.completion\.minConfidence sets one\)\./);
    assert.match(text, /line 5, column 10 \(typescript\)/);
    assert.match(text, /Candidates: "antity" 12%, "ality" 5\.0%\./);
  });

  it('has a sentence for every abstention', () => {
    // What each sentence must name (a Record over every DecisionCode: a new code does not compile
    // until it is listed here). Each decision comes with the details the provider gives it.
    const detail = 'a detail from the model';
    const names: Record<Exclude<DecisionCode, 'shown' | 'shown-on-request'>, [Partial<Decision>, RegExp]> = {
      'no-model': [{}, /^No model yet: train one .*charrnn\.modelPath/],
      disabled: [{}, /^Completions are off \(charrnn\.completion\.enabled\)/],
      snoozed: [{ until: Date.UTC(2026, 0, 1, 13, 0) }, /^Completions are snoozed until .+ \("CharRNN: Resume completions" ends it\)/],
      'language-off': [{}, /^Completions are off for typescript \(charrnn\.completion\.disabledLanguages\)/],
      manual: [{}, /^Manual mode: .*"CharRNN: Suggest completion".*charrnn\.completion\.trigger/],
      'in-comment': [{}, /^The cursor is in a comment, and charrnn\.completion\.inComments is off/],
      'in-string': [{}, /^The cursor is in a string, and charrnn\.completion\.inStrings is off/],
      'line-too-long': [{}, /^The line is too long/],
      binary: [{}, /^The line looks binary/],
      'document-too-large': [{}, /^The document is too large/],
      'no-token': [{ detail }, /^Nothing to complete here: a detail from the model\.$/],
      'below-threshold': [{ threshold: 0.3 }, /^Below the threshold: no token reaches the threshold 30%/],
      'model-abstained': [{ detail }, /^The model abstained: a detail from the model\.$/],
      'suggest-widget': [{ detail: 'as', completion: 'sert' }, /^The suggest list is open with "as" selected.*"sert" was not shown/],
      cancelled: [{}, /^Cancelled: the text or the cursor changed/],
      'no-answer': [{ detail }, /^The completion worker gave no answer .*: a detail from the model\.$/],
      error: [{ detail }, /^Error: a detail from the model\.$/],
    };
    const sentences = new Set<string>();
    for (const [code, [extra, says]] of Object.entries(names) as [DecisionCode, [Partial<Decision>, RegExp]][]) {
      const t = reasonText({ ...base, ...extra, code });
      assert.match(t, says, `${code}: ${t}`);
      assert.doesNotMatch(t, /undefined|NaN/, `${code}: ${t}`);
      sentences.add(t);
    }
    assert.strictEqual(sentences.size, Object.keys(names).length, 'one sentence per reason');
    assert.strictEqual(explain(undefined), 'No completion was requested yet in this window.');
  });

  it('never reads "100%" for a probability under 1 (issue 22)', () => {
    assert.strictEqual(pct(0.996), '99.6%');
    assert.strictEqual(pct(0.99996), '>99.9%');
    assert.strictEqual(pct(1), '100%');
    assert.strictEqual(pct(0.24), '24%');
    assert.strictEqual(pct(0.05), '5.0%');
    assert.match(reasonText({ ...base, code: 'shown', completion: 'ueue', confidence: 0.998, threshold: 0.4 }), /probability 99\.8%/);
  });

  it('a completion shown on request under the threshold says so, with both numbers', () => {
    const t = reasonText({ ...base, code: 'shown-on-request', completion: 'Idle', confidence: 0.24, threshold: 0.9 });
    assert.match(t, /^Showed "Idle" because it was asked for .*probability 24%, under the threshold 90%/);
  });

  it('the suggest list case names the selected item and why Tab would not give the ghost text', () => {
    const t = reasonText({ ...base, code: 'suggest-widget', completion: 'sert', detail: 'as' });
    assert.match(t, /"as" selected/);
    assert.match(t, /Tab inserts the list's item/);
  });
});
