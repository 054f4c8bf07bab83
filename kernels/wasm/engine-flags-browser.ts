// The browser build's twin of engine-flags-node.ts (playground/build.ts): a page cannot set engine
// flags, and browsers that have relaxed SIMD (Chrome ≥ 114) have it on by default, so there is
// nothing to do; support.ts then validates a probe module to find out.

/** Nothing to enable in a browser. */
export function enableRelaxedSimd(): void {}
