/**
 * The comment / string heuristic (src/core/text/syntax.ts): for every language it knows, a cursor in
 * code, after a line or block comment opener, and inside a string, each written the way that
 * language writes them; plus the cases that trip naive scanners.
 */
import * as assert from 'assert';
import { LANGUAGES, knowsLanguage, syntaxAt } from '../../src/core/text/syntax';

/** [language, text before a cursor in code, in a comment, in a string (null: no strings)]. */
const CASES: [string, string[], string[], string[] | null][] = [
  ['javascript', ['const a = "x"; // done\nfoo('], ['const a = 1; // total', 'x = 1; /* see\n note'], ['const s = "a // b', 'const t = `line\n two ${']],
  ['javascriptreact', ['/* c */ <div>{ite'], ['// todo ite'], ["const s = 'ite"]],
  ['typescript', ["const s = 'it\\'s'; order.ite"], ['/** docs\n * the ite'], ['import { a } from "./ite']],
  ['typescriptreact', ['return <A b={c} />; d'], ['{/* ite'], ['className="ite']],
  ['c', ['printf("%d\\n", x); ite'], ['int x; // ite'], ['char *s = "ite']],
  ['cpp', ['auto x = y; /* a */ ite'], ['/* multi\n line ite'], ['std::string s = "ite']],
  ['objective-c', ['NSString *s = @"a"; ite'], ['// ite'], ['NSLog(@"ite']],
  ['java', ['String s = "a"; ite'], ['// ite'], ['String s = "ite']],
  ['csharp', ['var s = "a"; ite'], ['/// <summary> ite'], ['var s = "ite']],
  ['kotlin', ['val s = """a"""; ite'], ['// ite'], ['val s = """multi\nline ite']],
  ['scala', ['val s = "a"; ite'], ['/* ite'], ['val s = "ite']],
  ['swift', ['let s = "a"; ite'], ['// ite'], ['let s = """\nite']],
  ['dart', ["var s = 'a'; ite"], ['// ite'], ["var s = '''\nite"]],
  ['go', ['s := `raw\n`; ite'], ['// ite'], ['s := `raw\nite', 'fmt.Println("ite']],
  ['rust', ["fn f<'a>(x: &'a str) { ite"], ['// ite', '/* ite'], ['let s = "ite']],
  ['php', ['$a = "x"; ite'], ['# ite', '// ite'], ["$a = 'ite"]],
  ['css', ['a { color: red; } .ite'], ['/* ite'], ['content: "ite']],
  ['scss', ['$a: 1; .ite'], ['// ite'], ['content: "ite']],
  ['less', ['@a: 1; .ite'], ['// ite'], ["content: 'ite"]],
  ['json', ['{"a": 1, '], [], ['{"ite']],
  ['jsonc', ['{"a": 1, '], ['{ // ite'], ['{"ite']],
  ['python', ['s = "a#b"; ite', 'x = """doc"""\nite'], ['x = 1  # ite'], ['s = f"ite', 'x = """\nmulti ite', "s = 'ite"]],
  ['ruby', ['s = "a"; ite'], ['# ite'], ["s = 'ite"]],
  ['perl', ['my $s = "a"; ite'], ['# ite'], ['my $s = "ite']],
  ['r', ['s <- "a"; ite'], ['# ite'], ['s <- "ite']],
  ['shellscript', ['echo ${#arr[@]} ite', "echo 'a#b' ite"], ['ls # ite'], ['echo "ite', "echo 'it\\"]],
  ['dockerfile', ['RUN echo a#b ite'], ['# ite'], ['RUN echo "ite']],
  ['makefile', ['all: a#b ite'], ['# ite'], ['X = "ite']],
  ['powershell', ['$a = "x"; ite'], ['# ite', '<# block\n ite'], ["$a = 'ite"]],
  ['yaml', ['key: value#notcomment ite'], ['key: v # ite'], null],
  ['toml', ['a = "x" ite'], ['# ite'], ['a = """\nite', "a = 'ite"]],
  ['ini', ['key=value ite'], ['; ite', '# ite'], null],
  ['sql', ["SELECT 'a' FROM ite"], ['-- ite', '/* ite'], ["WHERE name = 'it''s ite"]],
  ['lua', ['local s = "a" ite'], ['-- ite', '--[[ long\n ite'], ['local s = [[long\n ite', "local s = 'ite"]],
  ['haskell', ['main = putStrLn "a" >> ite'], ['-- ite', '{- ite'], ['s = "ite']],
  ['html', ['<div class="a">ite'], ['<!-- ite'], null],
  ['xml', ['<a b="c">ite'], ['<!-- ite'], null],
  ['clojure', ['(def a "b") ite'], ['; ite'], ['(def a "ite']],
];

describe('syntaxAt: code, comment or string, by language', () => {
  it('has cases for every language it knows, and only for those', () => {
    assert.deepStrictEqual(CASES.map((c) => c[0]).sort(), Object.keys(LANGUAGES).sort());
  });

  for (const [lang, code, comment, strings] of CASES) {
    describe(lang, () => {
      for (const text of code) {
        it(`code: ${JSON.stringify(text)}`, () => assert.strictEqual(syntaxAt(lang, text), 'code'));
      }
      for (const text of comment) {
        it(`comment: ${JSON.stringify(text)}`, () => assert.strictEqual(syntaxAt(lang, text), 'comment'));
      }
      for (const text of strings ?? []) {
        it(`string: ${JSON.stringify(text)}`, () => assert.strictEqual(syntaxAt(lang, text), 'string'));
      }
      if (strings === null) {
        it('has no string syntax: quotes stay code', () => assert.strictEqual(syntaxAt(lang, `a "b c`), 'code'));
      }
    });
  }

  it('a line comment ends at the line break', () => {
    assert.strictEqual(syntaxAt('typescript', '// note\nconst x = ite'), 'code');
  });
  it('a single-line string ends at the line break even without its closing quote', () => {
    assert.strictEqual(syntaxAt('typescript', 'const s = "open\nconst x = ite'), 'code');
  });
  it('quotes inside comments and comment openers inside strings do not count', () => {
    assert.strictEqual(syntaxAt('typescript', "// it's\nconst x = ite"), 'code');
    assert.strictEqual(syntaxAt('typescript', 'const url = "http://a.b/c";\nfoo(ite'), 'code');
  });
  it('an escaped quote does not close the string', () => {
    assert.strictEqual(syntaxAt('typescript', 'const s = "say \\"hi\\" ite'), 'string');
  });
  it('unknown languages are always code', () => {
    assert.strictEqual(knowsLanguage('brainfuck'), false);
    assert.strictEqual(syntaxAt('brainfuck', '// "ite'), 'code');
    assert.strictEqual(syntaxAt('plaintext', '# ite'), 'code');
  });
});
