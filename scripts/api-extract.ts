// The exported API of a TypeScript file, read line by line: each top-level `export` declaration with
// the TSDoc comment (`/** … */`) just above it and its signature; the public members of exported
// classes. Used by scripts/api-reference.ts to write docs/API.md.
//
// Why not the compiler: TypeScript 7 (the native Go compiler in node_modules) exposes no stable JS
// API, only `typescript/unstable/*` entry points (sync and async clients that talk to the native
// binary over a pipe, and an unstable AST) whose shape may change in any release. The code here
// follows simple, checked conventions instead: declarations start at column 0 (`export function`,
// `export class`, …), class members at two spaces, and braces are counted with strings, template
// literals and comments skipped. Re-exports (`export … from`) are documented where they are defined.

export type SymbolKind = 'function' | 'class' | 'interface' | 'type' | 'const' | 'enum';

export interface ApiMember { name: string; signature: string; doc: string | null }

export interface ApiSymbol {
  name: string;
  kind: SymbolKind;
  /** The declaration without `export` and without the body (a function up to its `{`). */
  signature: string;
  /** The TSDoc text with the comment markers removed, or null when there is none. */
  doc: string | null;
  /** 1-based line of the declaration (for messages; not written to docs/API.md, where it would churn). */
  line: number;
  /** Public members of a class (constructor, methods, accessors, fields). */
  members: ApiMember[];
}

export interface ApiFile {
  path: string;
  /** The first paragraph of the file's leading `//` comment. */
  summary: string;
  symbols: ApiSymbol[];
}

const DECLARATION = /^export\s+(?:declare\s+)?(?:default\s+)?(?:async\s+)?(?:abstract\s+)?(function\*?|class|interface|type|const|let|enum)\s+([A-Za-z_$][\w$]*)/;
const LOCAL = /^(?:declare\s+)?(?:async\s+)?(?:abstract\s+)?(function\*?|class|interface|type|const|let|enum)\s+([A-Za-z_$][\w$]*)/;
const KIND: Record<string, SymbolKind> = {
  function: 'function', 'function*': 'function', class: 'class', interface: 'interface', type: 'type', const: 'const', let: 'const', enum: 'enum',
};
/** Longest interface or type body copied whole into the reference; longer ones show their first line. */
const MAX_BODY_LINES = 30;

/**
 * Where a scan stands between lines: inside a block comment, and a stack of the template literals
 * ('`') and the braces ('{', or '$' for a template's `${`) that are open.
 */
export interface ScanState { comment: boolean; stack: string[] }

export const newScanState = (): ScanState => ({ comment: false, stack: [] });

/**
 * Net changes of bracket depth over one line of code, skipping strings, template text, regular
 * expression literals and comments. Braces of a template's `${…}` do not count.
 */
export function scanLine(line: string, state: ScanState): { paren: number; brace: number } {
  let paren = 0, brace = 0, previous = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (state.comment) {
      if (c === '*' && line[i + 1] === '/') { state.comment = false; i++; }
      continue;
    }
    if (state.stack.at(-1) === '`') { // template text
      if (c === '\\') i++;
      else if (c === '`') state.stack.pop();
      else if (c === '$' && line[i + 1] === '{') { state.stack.push('$'); i++; }
      continue;
    }
    if (c === ' ' || c === '\t') continue;
    if (c === '/' && line[i + 1] === '/') break;
    if (c === '/' && line[i + 1] === '*') { state.comment = true; i++; continue; }
    if (c === '"' || c === "'") {
      for (i++; i < line.length && line[i] !== c; i++) if (line[i] === '\\') i++;
    } else if (c === '/' && (previous === '' || '(,=:[!&|?{};'.includes(previous) || /\b(return|typeof|case|throw|yield|await)\s*$/.test(line.slice(0, i)))) { // a regex literal
      for (let inClass = false, j = i + 1; j < line.length; j++) {
        if (line[j] === '\\') j++;
        else if (line[j] === '[') inClass = true;
        else if (line[j] === ']') inClass = false;
        else if (line[j] === '/' && !inClass) { i = j; break; }
      }
    } else if (c === '`') state.stack.push('`');
    else if (c === '(' || c === '[') paren++;
    else if (c === ')' || c === ']') paren--;
    else if (c === '{') { state.stack.push('{'); brace++; }
    else if (c === '}') {
      if (state.stack.pop() !== '$') brace--;
    }
    previous = c;
  }
  return { paren, brace };
}

/** The TSDoc block that ends on the line just above `index`, without its markers; null if none. */
export function docAbove(lines: readonly string[], index: number): string | null {
  let end = index - 1;
  if (end < 0 || !lines[end].trim().endsWith('*/')) return null;
  let start = end;
  while (start >= 0 && !lines[start].trim().startsWith('/**')) {
    if (start < end && lines[start].trim().endsWith('*/')) return null; // a plain /* */ block
    start--;
  }
  if (start < 0) return null;
  const text = lines.slice(start, end + 1).join('\n')
    .replace(/^\s*\/\*\*\s?/, '').replace(/\s*\*\/\s*$/, '')
    .split('\n').map((l) => l.replace(/^\s*\* ?/, '')).join('\n').trim();
  return text.length > 0 ? text : null;
}

/**
 * Lines from `start` up to the end of a declaration's head: the line where a body `{` opens at depth
 * zero (returned without that brace), or a `;` closes it; or, with `until` 'braces' or 'semicolon', the
 * whole declaration (an interface's body, a type alias up to its `;`).
 */
function declarationText(lines: readonly string[], start: number, until: 'head' | 'braces' | 'semicolon'): { text: string; end: number; bodyOpened: boolean } {
  const state = newScanState();
  let paren = 0, brace = 0;
  for (let i = start; i < lines.length; i++) {
    const before = { paren, brace };
    const d = scanLine(lines[i], state);
    paren += d.paren; brace += d.brace;
    const trimmed = lines[i].replace(/\s*\/\/.*$/, '').trimEnd();
    const head = lines.slice(start, i + 1).join('\n');
    if (until !== 'head') {
      // An interface or enum ends where its braces close; a type alias at its `;`.
      if (paren <= 0 && brace <= 0 && (trimmed.endsWith(';') || (until === 'braces' && trimmed.endsWith('}')))) {
        return { text: head.replace(/;\s*$/, ''), end: i, bodyOpened: false };
      }
    } else if (paren === 0 && brace === 1 && trimmed.endsWith('{') && before.brace === 0) {
      return { text: head.replace(/\s*\{\s*(\/\/.*)?$/, ''), end: i, bodyOpened: true };
    } else if (paren <= 0 && brace <= 0 && (trimmed.endsWith(';') || trimmed.endsWith('}'))) {
      return { text: head.replace(/;\s*$/, ''), end: i, bodyOpened: false };
    }
  }
  return { text: lines[start], end: start, bodyOpened: false };
}

/** Public members of the class whose body opens on line `start`: lines indented two spaces. */
function classMembers(lines: readonly string[], start: number): { members: ApiMember[]; end: number } {
  const members: ApiMember[] = [];
  const state = newScanState();
  let depth = 0;
  for (let i = start; i < lines.length; i++) {
    const atDepth = depth;
    depth += scanLine(lines[i], state).brace;
    if (i > start && depth <= 0) return { members, end: i };
    const line = lines[i];
    if (i === start || atDepth !== 1 || !/^ {2}[^\s}/*]/.test(line)) continue;
    if (/^ {2}(private|protected|#|static\s+#|static\s+private|\[)/.test(line)) continue;
    const { text, bodyOpened } = declarationText(lines, i, 'head');
    let signature = text.split('\n').map((l) => l.trim()).join(' ').replace(/\(\s+/g, '(').replace(/,?\s+\)/g, ')');
    const eq = signature.search(/\s=\s/), open = signature.indexOf('(');
    if (eq >= 0 && (open < 0 || eq < open)) signature = signature.slice(0, eq); // a field: drop its initialiser
    else if (!bodyOpened) signature = signature.replace(/\s*\{[^{}]*\}$/, ''); // a one-line body
    const name = /^(?:(?:static|readonly|async|get|set|override|abstract|public|declare)\s+)*\*?\s*([A-Za-z_$][\w$]*|\[[^\]]+\])/.exec(line.trim())?.[1] ?? line.trim();
    members.push({ name, signature, doc: docAbove(lines, i) });
  }
  return { members, end: lines.length - 1 };
}

function symbolAt(lines: readonly string[], i: number, kindWord: string, name: string, exported: boolean): ApiSymbol {
  const kind = KIND[kindWord];
  const doc = docAbove(lines, i);
  const strip = (s: string) => (exported ? s.replace(/^export\s+(declare\s+)?(default\s+)?/, '') : s);
  if (kind === 'class') {
    const { text } = declarationText(lines, i, 'head');
    return { name, kind, doc, line: i + 1, signature: strip(text), members: classMembers(lines, i).members };
  }
  if (kind === 'interface' || kind === 'type' || kind === 'enum') {
    const { text } = declarationText(lines, i, kind === 'type' ? 'semicolon' : 'braces');
    const body = text.split('\n');
    const signature = body.length <= MAX_BODY_LINES ? text : `${body[0]} … }`;
    return { name, kind, doc, line: i + 1, signature: strip(signature), members: [] };
  }
  if (kind === 'function') {
    return { name, kind, doc, line: i + 1, signature: strip(declarationText(lines, i, 'head').text), members: [] };
  }
  // const: the name and its type annotation when there is one, else what it is bound to (first line).
  // An op made by defineOp / unaryOp / binaryOp already carries a doc string in the op table (the
  // README's coverage matrix prints it); without TSDoc, that string documents it, so it is not written twice.
  const opDoc = doc ?? opTableDoc(lines.slice(i, i + 4).join('\n'));
  const first = strip(lines[i].trim());
  const typed = /^(const|let)\s+[\w$]+\s*:\s*(.+?)\s*=/.exec(first);
  const signature = typed ? `${typed[1]} ${name}: ${typed[2]}` : first.replace(/\s*[({[]\s*$/, '').replace(/;$/, '');
  return { name, kind, doc: opDoc, line: i + 1, signature: signature.length > 140 ? `${signature.slice(0, 137)}…` : signature, members: [] };
}

/** "The `name` op: doc." from an op declaration's first lines, or null when they declare no op. */
function opTableDoc(head: string): string | null {
  const m = /^export const \w+ = (?:unaryOp|binaryOp)\(\s*'(\w+)',\s*'([^']*)'/m.exec(head)
    ?? /^export const \w+ = defineOp\([\s\S]*?name: '(\w+)', doc: '([^']*)'/m.exec(head);
  return m ? `The \`${m[1]}\` op: ${m[2]}.` : null;
}

/** The exported symbols of one file's source text, in file order. */
export function extractFile(path: string, source: string): ApiFile {
  const lines = source.split('\n');
  const symbols: ApiSymbol[] = [];
  const state = newScanState();
  let depth = 0;
  const localNames: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const top = depth === 0 && !state.comment && state.stack.length === 0;
    depth += scanLine(lines[i], state).brace;
    if (!top) continue;
    const m = DECLARATION.exec(lines[i]);
    const previous = symbols.at(-1);
    if (m && previous?.kind === 'function' && previous.name === m[2]) {
      previous.signature += `\n${symbolAt(lines, i, m[1], m[2], true).signature}`; // an overload: one entry, documented once
    } else if (m) symbols.push(symbolAt(lines, i, m[1], m[2], true));
    const local = /^export\s*(?:type\s*)?\{([^}]*)\}\s*;?\s*$/.exec(lines[i]); // export { a, b } without `from`
    if (local) localNames.push(...local[1].split(',').map((s) => s.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]).filter(Boolean));
  }
  for (const name of localNames) {
    const i = lines.findIndex((l) => LOCAL.exec(l)?.[2] === name);
    if (i >= 0) symbols.push(symbolAt(lines, i, LOCAL.exec(lines[i])![1], name, false));
  }
  symbols.sort((a, b) => a.line - b.line);
  return { path, summary: fileSummary(lines), symbols };
}

/** The first paragraph of the leading `//` comment block, joined into one line. */
function fileSummary(lines: readonly string[]): string {
  const out: string[] = [];
  for (const line of lines) {
    const m = /^\/\/ ?(.*)$/.exec(line);
    if (!m) break;
    if (m[1].trim() === '') { if (out.length > 0) break; continue; }
    // An indented line is a formula or a table: it reads badly run into one line, so the summary ends there.
    if (/^\s{2,}/.test(m[1])) { if (out.length > 0) { out.push('…'); break; } continue; }
    out.push(m[1].trim());
  }
  return out.join(' ');
}
