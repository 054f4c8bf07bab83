// A minimal pickle reader (the format: CPython Lib/pickletools.py, which documents every opcode),
// enough for the pickles torch.save writes for state dicts: protocol 2 to 5, dicts, lists, tuples,
// strings, numbers, and the calls (REDUCE) and persistent ids (BINPERSID) that rebuild tensors.
// Nothing is executed: a call to a global becomes whatever `resolve` makes of it, and a global that
// `resolve` does not know is an error naming it, which is what makes reading a pickle safe here.

/** A global a pickle refers to (GLOBAL / STACK_GLOBAL), e.g. torch._utils._rebuild_tensor_v2. */
export interface Global { module: string; name: string }
/** What the caller decides: what calling a global yields, and what a persistent id stands for. */
export interface PickleHooks {
  /** The value of calling `fn(...args)`; throw for globals you do not allow. */
  call(fn: Global, args: unknown[]): unknown;
  /** The object behind a persistent id (torch: a storage). */
  persistentLoad(pid: unknown): unknown;
}

const MARK = Symbol('mark');

/**
 * Runs the pickle's opcodes on a stack and returns the top object; calls and persistent ids go through
 * `hooks`, so nothing is executed. `source` names the file in errors.
 */
export function unpickle(bytes: Uint8Array, hooks: PickleHooks, source: string): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = (from: number, to: number) => new TextDecoder().decode(bytes.subarray(from, to));
  const stack: unknown[] = [], memo = new Map<number, unknown>();
  let at = 0;
  const fail = (problem: string): never => { throw new Error(`${source}: pickle ${problem} (at byte ${at})`); };
  const need = (n: number) => { if (at + n > bytes.length) fail('ends early (truncated)'); const p = at; at += n; return p; };
  const line = () => { const end = bytes.indexOf(0x0a, at); if (end < 0) fail('ends early (truncated)'); const s = text(at, end); at = end + 1; return s; };
  const popMark = () => { const i = stack.lastIndexOf(MARK); if (i < 0) fail('has no MARK'); const items = stack.splice(i); items.shift(); return items; };
  const top = () => stack[stack.length - 1];
  const setItems = (items: unknown[]) => {
    const dict = top();
    if (!(dict instanceof Map)) fail('sets items on something that is not a dict');
    for (let i = 0; i < items.length; i += 2) (dict as Map<unknown, unknown>).set(items[i], items[i + 1]);
  };

  for (;;) {
    const op = bytes[need(1)];
    switch (op) {
      case 0x80: need(1); break; // PROTO
      case 0x95: need(8); break; // FRAME (a length hint only)
      case 0x2e: return stack.pop(); // STOP '.'
      case 0x28: stack.push(MARK); break; // MARK '('
      case 0x63: { const module = line(); stack.push({ module, name: line() } satisfies Global); break; } // GLOBAL 'c'
      case 0x93: { const name = stack.pop() as string; stack.push({ module: stack.pop() as string, name } satisfies Global); break; } // STACK_GLOBAL
      case 0x71: memo.set(bytes[need(1)], top()); break; // BINPUT 'q'
      case 0x72: memo.set(view.getUint32(need(4), true), top()); break; // LONG_BINPUT 'r'
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: stack.push(memo.get(bytes[need(1)])); break; // BINGET 'h'
      case 0x6a: stack.push(memo.get(view.getUint32(need(4), true))); break; // LONG_BINGET 'j'
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT '}'
      case 0x5d: stack.push([]); break; // EMPTY_LIST ']'
      case 0x29: stack.push([]); break; // EMPTY_TUPLE ')'
      case 0x74: stack.push(popMark()); break; // TUPLE 't'
      case 0x6c: stack.push(popMark()); break; // LIST 'l'
      case 0x85: stack.push([stack.pop()]); break; // TUPLE1
      case 0x86: stack.push(stack.splice(-2)); break; // TUPLE2
      case 0x87: stack.push(stack.splice(-3)); break; // TUPLE3
      case 0x64: { const items = popMark(); stack.push(new Map()); setItems(items); break; } // DICT 'd'
      case 0x73: setItems(stack.splice(-2)); break; // SETITEM 's'
      case 0x75: setItems(popMark()); break; // SETITEMS 'u'
      case 0x61: { const v = stack.pop(); (top() as unknown[]).push(v); break; } // APPEND 'a'
      case 0x65: { const items = popMark(); (top() as unknown[]).push(...items); break; } // APPENDS 'e'
      case 0x58: { const n = view.getUint32(need(4), true); const p = need(n); stack.push(text(p, p + n)); break; } // BINUNICODE 'X'
      case 0x8c: { const n = bytes[need(1)]; const p = need(n); stack.push(text(p, p + n)); break; } // SHORT_BINUNICODE
      case 0x4a: stack.push(view.getInt32(need(4), true)); break; // BININT 'J'
      case 0x4b: stack.push(bytes[need(1)]); break; // BININT1 'K'
      case 0x4d: stack.push(view.getUint16(need(2), true)); break; // BININT2 'M'
      case 0x8a: { // LONG1: little-endian two's complement of n bytes
        const n = bytes[need(1)], p = need(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[p + i]);
        if (n > 0 && bytes[p + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(Number(v));
        break;
      }
      case 0x47: stack.push(view.getFloat64(need(8), false)); break; // BINFLOAT 'G' (big-endian)
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4e: stack.push(null); break; // NONE 'N'
      case 0x52: { const args = stack.pop() as unknown[]; stack.push(hooks.call(stack.pop() as Global, args)); break; } // REDUCE 'R'
      case 0x62: stack.pop(); break; // BUILD 'b': object state (e.g. a state dict's _metadata), not needed
      case 0x51: stack.push(hooks.persistentLoad(stack.pop())); break; // BINPERSID 'Q'
      default: fail(`opcode 0x${op.toString(16)} is not supported by this minimal reader`);
    }
  }
}
