import { makeRng } from '../../src/core/util/random';

/** Made-up code: functions with names from a seeded generator, each using its own names a few times. */
export function codeFile(seed: number, functions = 12): string {
  const rng = makeRng(seed);
  const parts = ['get', 'set', 'user', 'name', 'count', 'item', 'total', 'price', 'order', 'list', 'find', 'make', 'value', 'index', 'cache', 'store', 'load', 'save'];
  const word = (k: number) => Array.from({ length: k }, (_, i) => {
    const p = parts[Math.floor(rng() * parts.length)];
    return i === 0 ? p : p[0].toUpperCase() + p.slice(1);
  }).join('');
  const out: string[] = [];
  for (let f = 0; f < functions; f++) {
    const fn = word(2 + Math.floor(rng() * 2));
    const a = word(1 + Math.floor(rng() * 2));
    const b = word(2);
    out.push(`export function ${fn}(${a}: number, ${b}: string): number {`);
    out.push(`  const ${a}Total = ${a} * 2;`);
    out.push(`  if (${b}.length > ${a}Total) return ${a}Total;`);
    out.push(`  return ${fn}(${a}Total - 1, ${b}) + ${a};`);
    out.push('}');
    out.push('');
  }
  return out.join('\n');
}

