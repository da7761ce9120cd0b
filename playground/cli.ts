import { parseArgs } from 'node:util';
import { buildPlayground } from './build.js';
import { startPlaygroundServer } from './server.js';

/** npm run playground [-- --port N --host H --no-isolation]: builds the page and serves it until Ctrl-C. */
const { values } = parseArgs({
  options: { port: { type: 'string', default: '5173' }, host: { type: 'string', default: '127.0.0.1' }, 'no-isolation': { type: 'boolean', default: false } },
  strict: true,
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be an integer from 0 to 65535, got "${values.port}"`);
  process.exit(2);
}
process.stdout.write('building the playground (playground/dist)...\n');
await buildPlayground();
const server = await startPlaygroundServer({ port, host: values.host, isolated: !values['no-isolation'] });
process.stdout.write(`zsre playground: ${server.url}  (Ctrl-C to stop)\n`);
process.on('SIGINT', () => void server.close().then(() => process.exit(0)));
