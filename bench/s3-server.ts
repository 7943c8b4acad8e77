// Child process: s3rver on 127.0.0.1:<port> with a fresh data folder and the bench bucket.
// Its own process so that the ingest child's RSS and CPU are not mixed with the store's,
// and because s3rver needs Node's legacy OpenSSL provider (a DES cipher) that only a
// process started with --openssl-legacy-provider has.
//   node s3-server.cjs <port> <dir> <bucket>     prints "ready" on stdout, stops on SIGTERM

import S3rver from 's3rver';

const [portText, directory, bucket] = process.argv.slice(2);
if (portText === undefined || directory === undefined || bucket === undefined) {
  process.stderr.write('usage: s3-server <port> <dir> <bucket>\n');
  process.exit(2);
}

const server = new S3rver({
  address: '127.0.0.1',
  port: Number(portText),
  directory,
  silent: true,
  configureBuckets: [{ name: bucket }],
});
// Bundled as CommonJS (no top-level await there).
server.run().then(
  () => process.stdout.write('ready\n'),
  (err: unknown) => {
    process.stderr.write(`s3rver did not start: ${String(err)}\n`);
    process.exit(1);
  },
);

const stop = (): void => {
  void server.close().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
