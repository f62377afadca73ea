/**
 * The bare express baseline of `pnpm bench:intake`, in a process of its own as the intake runs in
 * its own: the same JSON body parsing and 201 answer, no Kafka. `BARE_AUTH=1` puts the kit's
 * bearer-token verification in front (the AUTH_* env of the intake). Listens on PORT.
 */
import { authEnv, authenticate, loadConfig, tokenVerifierFromConfig } from '@tally/service';
import express from 'express';

const app = express();
app.use(express.json({ limit: '64kb' }));
app.get('/readyz', (_req, res) => {
  res.status(200).json({ status: 'ready' });
});
if (process.env['BARE_AUTH'] === '1') {
  app.use(authenticate(await tokenVerifierFromConfig(loadConfig(authEnv, process.env))));
}
app.post('/accounts/:id/:kind', (req, res) => {
  res.status(201).json({ accountId: req.params['id'], version: 1, balance: 0, body: req.body });
});
const server = app.listen(Number(process.env['PORT']), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
