// `npm run playground [-- --port N]`: builds playground/dist/ and serves it on 127.0.0.1 (default port 8080).

import { parseArgs } from 'node:util';
import { buildPlayground } from './build.ts';
import { serveFolder } from './server.ts';

const { values } = parseArgs({ options: { port: { type: 'string', default: process.env.PORT ?? '8080' } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${values.port}: give a port number 0-65535 (0: any free port)`);
const dist = buildPlayground();
const { url } = await serveFolder(dist, port);
console.log(`i3.ts playground: ${url}  (serving ${dist}; Ctrl-C to stop)`);
