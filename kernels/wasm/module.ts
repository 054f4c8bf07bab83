// A tiny WebAssembly module assembler: enough of the binary format to emit our SIMD kernels from
// TypeScript, with no toolchain and no .wasm file in the repository.
//
// How a module is laid out (WebAssembly Core Specification 2.0, §5 "Binary Format"):
//
//   magic   00 61 73 6d  ("\0asm")        version 01 00 00 00
//   then sections, each   id:byte  size:u32(LEB128)  payload   in increasing id order:
//     1 type      the function signatures: 0x60 vec(param types) vec(result types)
//     2 import    (module name, field name, kind): here one memory, "env"."memory", that JavaScript
//                 creates and shares, so typed arrays can read and write what the kernels compute
//     3 function  for each defined function, the index of its signature in the type section
//     7 export    (name, kind 0x00 = function, function index): what JavaScript can call
//    10 code      for each function: size, its local variables as (count, type) runs, the instructions,
//                 and the `end` opcode 0x0b
//   A vec(x) is its element count (u32 LEB128) followed by the elements; a name is vec(UTF-8 bytes).
// Integers are LEB128 (leb128.ts).

import { FunctionBody, type ValType, VALTYPE } from './body.ts';
import { sleb128, uleb128 } from './leb128.ts';

export { FunctionBody, type ValType, sleb128, uleb128 };

const utf8 = (s: string): number[] => [...new TextEncoder().encode(s)];
const vec = (items: number[][]): number[] => [...uleb128(items.length), ...items.flat()];
const nameBytes = (s: string): number[] => vec(utf8(s).map((b) => [b]));
const section = (id: number, payload: number[]): number[] => [id, ...uleb128(payload.length), ...payload];

interface DefinedFunction { name: string; params: ValType[]; results: ValType[]; body: FunctionBody }

/** Collects functions, then `bytes()` assembles the module. Every module imports one memory. */
export class ModuleBuilder {
  private readonly functions: DefinedFunction[] = [];

  /** `minPages`: the imported memory's minimum size in 64 KiB pages (the memory passed in may be larger). */
  constructor(private readonly minPages = 1) {}

  /** Defines and exports `name(params) → results`; `build` writes the body through the FunctionBody. */
  func(name: string, params: ValType[], results: ValType[], build: (f: FunctionBody) => void): this {
    if (this.functions.some((f) => f.name === name)) throw new Error(`wasm module: function '${name}' defined twice`);
    const body = new FunctionBody(params.length);
    build(body);
    this.functions.push({ name, params, results, body });
    return this;
  }

  bytes(): Uint8Array<ArrayBuffer> {
    const fns = this.functions;
    const signature = (f: DefinedFunction): number[] =>
      [0x60, ...vec(f.params.map((t) => [VALTYPE[t]])), ...vec(f.results.map((t) => [VALTYPE[t]]))];
    // One type per function keeps this simple; the validator does not mind duplicates.
    const types = section(1, vec(fns.map(signature)));
    const memoryImport = [...nameBytes('env'), ...nameBytes('memory'), 0x02, 0x00, ...uleb128(this.minPages)];
    const imports = section(2, vec([memoryImport]));
    const functionTypes = section(3, vec(fns.map((_, i) => uleb128(i))));
    const exports = section(7, vec(fns.map((f, i) => [...nameBytes(f.name), 0x00, ...uleb128(i)])));
    const code = section(10, vec(fns.map((f) => {
      const body = f.body.encode();
      return [...uleb128(body.length), ...body];
    })));
    return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...types, ...imports, ...functionTypes, ...exports, ...code]);
  }

  /** Validates, compiles and instantiates the module against `memory`; returns its exports. */
  instantiate<T>(memory: WebAssembly.Memory): T {
    const bytes = this.bytes();
    if (!WebAssembly.validate(bytes)) {
      // Compiling gives the engine's message (which function, which byte offset, what was expected).
      try { new WebAssembly.Module(bytes); } catch (e) { throw new Error(`wasm module does not validate: ${(e as Error).message}`); }
      throw new Error('wasm module does not validate');
    }
    return new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as T;
  }
}
