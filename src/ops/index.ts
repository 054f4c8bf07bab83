// The public op API, functional style: add(x, y), matmul(x, w), softmax(x, -1), …
export * from './elementwise.ts';
export * from './reduce.ts';
export * from './view.ts';
export * from './join.ts';
export * from './matmul.ts';
export * from './gather.ts';
export * from './nn.ts';
export * from './recurrence-hybrid.ts';
export * from './recurrence-wkv.ts';
export { assign } from './assign.ts';
export { OP_TABLE, defineOp, type OpSpec, type OpEntry, type OpCase, type Forward, type Backward } from './op.ts';
export type { Draw, ValueOptions } from './draw.ts';
